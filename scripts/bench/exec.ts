/**
 * How the bench runs plugins: the runtime library's Exec over a spawner that is born inside a
 * side's node namespace and records every exec (fork + exec + plugin run + wait), as the Go
 * reference's driver did around libcni's RawExec.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type Exec, type SpawnOutcome, type Spawner, createExec } from '../../lib/invoke/index.ts';
import { type Netns, withNetns } from '../../lib/netns/index.ts';
import { childProcessSpawner } from './child-process-spawner.ts';

/** One plugin exec as the spawner saw it. */
export interface ExecRecord {
  readonly plugin: string;
  readonly command: string;
  readonly containerId: string;
  readonly ms: number;
  readonly exitCode: number | undefined;
  /** Peak RSS in MB, when the exec ran under /usr/bin/time. */
  readonly rssMb?: number | undefined;
}

/** Exec records by container ID; each operation takes (and so removes) its own. */
export class ExecLog {
  readonly #byContainer = new Map<string, ExecRecord[]>();

  add(record: ExecRecord): void {
    const list = this.#byContainer.get(record.containerId);
    if (list) list.push(record);
    else this.#byContainer.set(record.containerId, [record]);
  }

  /** Removes and returns the records of one container ID. */
  take(containerId: string): ExecRecord[] {
    const list = this.#byContainer.get(containerId) ?? [];
    this.#byContainer.delete(containerId);
    return list;
  }
}

/**
 * Wraps a spawner so each child is started inside `node` and timed. withNetns is synchronous:
 * the inner spawner forks inside the call (child_process.spawn forks synchronously), so the
 * child is born in the node namespace and the driver's thread is back where it was before
 * anything else runs.
 */
export function nodeNetnsSpawner(node: Netns, inner: Spawner, log: ExecLog, rssOf?: (outcome: SpawnOutcome) => number | undefined): Spawner {
  return (request) => {
    let pending!: Promise<SpawnOutcome>;
    const t0 = performance.now();
    withNetns(node, () => {
      pending = inner(request);
    });
    return pending.then((out) => {
      log.add({
        plugin: basename(request.path),
        command: request.env.CNI_COMMAND ?? '',
        containerId: request.env.CNI_CONTAINERID ?? '',
        ms: performance.now() - t0,
        exitCode: out.exitCode,
        rssMb: rssOf?.(out),
      });
      return out;
    });
  };
}

/** A SpawnOutcome that also carries the peak RSS /usr/bin/time reported. */
interface RssOutcome extends SpawnOutcome {
  readonly rssKb?: number | undefined;
}

/**
 * A spawner that runs the plugin under `/usr/bin/time -f %M -o <file>` and reads its peak
 * RSS (the largest of the plugin and the children it waited for, as wait4 reports it).
 */
export function rssSpawner(scratchDir: string): Spawner {
  let seq = 0;
  return (request) =>
    new Promise<RssOutcome>((resolve) => {
      const file = join(scratchDir, `rss-${process.pid}-${seq++}`);
      const child = spawn('/usr/bin/time', ['-f', '%M', '-o', file, request.path], { env: request.env, stdio: ['pipe', 'pipe', 'pipe'] });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => stdout.push(c));
      child.stderr.on('data', (c: Buffer) => stderr.push(c));
      child.stdin.on('error', () => {});
      child.stdin.end(request.stdin);
      child.on('error', (e: NodeJS.ErrnoException) => {
        resolve({ stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode: undefined, spawnError: e.code ?? 'EUNKNOWN', spawnMessage: e.message });
      });
      child.on('close', (code) => {
        let rssKb: number | undefined;
        try {
          // GNU time writes "Command exited with non-zero status N" before the value on failure.
          const last = readFileSync(file, 'utf8').trim().split('\n').pop();
          rssKb = last === undefined ? undefined : Number(last);
        } catch {
          rssKb = undefined;
        }
        rmSync(file, { force: true });
        resolve({ stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr), exitCode: code ?? undefined, rssKb });
      });
    });
}

/** The peak RSS in MB that rssSpawner attached to an outcome. */
export function rssMbOf(out: SpawnOutcome): number | undefined {
  const kb = (out as RssOutcome).rssKb;
  return kb === undefined || !Number.isFinite(kb) ? undefined : kb / 1024;
}

/** Plugin stderr is kept (last few chunks) rather than mixed into the bench's output. */
export class StderrTail {
  readonly chunks: string[] = [];

  push(chunk: Buffer): void {
    this.chunks.push(chunk.toString('utf8').slice(0, 500));
    if (this.chunks.length > 5) this.chunks.shift();
  }
}

/** The Exec a side's runtime uses: child_process (or /usr/bin/time) inside its node namespace. */
export function benchExec(node: Netns, log: ExecLog, stderr: StderrTail, rssScratch?: string): Exec {
  const inner = rssScratch === undefined ? childProcessSpawner() : rssSpawner(rssScratch);
  return createExec({
    spawner: nodeNetnsSpawner(node, inner, log, rssScratch === undefined ? undefined : rssMbOf),
    stderr: (chunk) => stderr.push(chunk),
  });
}
