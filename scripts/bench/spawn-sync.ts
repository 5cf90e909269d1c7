/** Timing one process run to completion (spawnSync: no event loop between fork and wait). */
import { spawnSync } from 'node:child_process';

export interface SyncRun {
  readonly ms: number;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs argv with exactly `env` and `input` on stdin, timing fork + exec + run + wait. */
export function runSync(argv: readonly string[], env: Readonly<Record<string, string>>, input = ''): SyncRun {
  const t0 = performance.now();
  const r = spawnSync(argv[0] as string, argv.slice(1), { input, encoding: 'utf8', env });
  const ms = performance.now() - t0;
  return { ms, status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
}

/** The environment every direct run gets: PATH only, nothing else inherited. */
export function baseEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...extra };
}

/** A VERSION answer must be JSON listing supported versions. */
export function isVersionAnswer(stdout: string): boolean {
  try {
    const v = JSON.parse(stdout) as { supportedVersions?: unknown };
    return Array.isArray(v.supportedVersions);
  } catch {
    return false;
  }
}
