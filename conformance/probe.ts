// Facts about a plugin directory and the machine, gathered once per run: which versions each
// plugin advertises (VERSION), whether it is a Go reference build (for the expected-failure
// list), and which tools exist.
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { execAsync } from './exec.ts';
import type { Impl } from './types.ts';

/** What VERSION said, or why it failed. */
export interface VersionInfo {
  readonly versions: readonly string[] | undefined;
  readonly error?: string;
}

/** True when the path is an executable regular file. */
export function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Asks a plugin for its supported versions the way libcni does (only CNI_COMMAND and PATH). */
export async function probeVersions(binary: string): Promise<VersionInfo> {
  const r = await execAsync([binary], {
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', CNI_COMMAND: 'VERSION' },
    input: '{"cniVersion":"1.0.0"}',
    timeoutMs: 15_000,
  });
  if (r.code !== 0) return { versions: undefined, error: `VERSION exited ${r.code}: ${(r.stdout || r.stderr).trim().slice(0, 200)}` };
  try {
    const info = JSON.parse(r.stdout) as { supportedVersions?: unknown };
    const list = info.supportedVersions;
    if (Array.isArray(list) && list.every((v) => typeof v === 'string')) return { versions: list as string[] };
    return { versions: undefined, error: 'VERSION printed no supportedVersions list' };
  } catch {
    return { versions: undefined, error: `VERSION printed non-JSON: ${r.stdout.slice(0, 200)}` };
  }
}

/** The magic that starts a Go executable's build information (`.go.buildinfo`). */
const GO_BUILDINFO = Buffer.from('\xff Go buildinf:', 'latin1');

/**
 * Tells a Go build of containernetworking/plugins from anything else: an ELF executable with Go
 * build information that embeds the module path. The module path alone is not enough: our own
 * executables carry it in the iptables comment they share with the Go plugins ("Masquerading for
 * plugins from github.com/containernetworking/plugins"). Only Go builds get the expected-failure
 * list.
 */
export function detectImpl(binary: string): Impl {
  try {
    const bytes = readFileSync(binary);
    const isElf = bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
    if (isElf && bytes.includes(GO_BUILDINFO) && bytes.includes('github.com/containernetworking/plugins')) return 'go';
  } catch {
    // unreadable: treat as other
  }
  return 'other';
}

/** True when an executable of that name is on PATH. */
export function hasTool(name: string): boolean {
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin']);
  return dirs.some((d) => d !== '' && existsSync(join(d, name)) && isExecutable(join(d, name)));
}
