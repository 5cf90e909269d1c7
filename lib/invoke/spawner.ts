/** One plugin run as the spawner sees it: no CNI knowledge, just bytes in and out. */
export interface SpawnRequest {
  readonly path: string;
  readonly stdin: Uint8Array;
  /** The complete environment of the child (nothing is inherited implicitly). */
  readonly env: Readonly<Record<string, string>>;
  /** Aborting kills the child with SIGKILL, as Go's exec.CommandContext does. */
  readonly signal?: AbortSignal | undefined;
  /** Kill the child with SIGKILL after this many milliseconds. */
  readonly timeoutMs?: number | undefined;
}

/** What one run produced. A non-zero exit is data here, not an exception. */
export interface SpawnOutcome {
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  /** undefined when the child never started or a signal ended it. */
  readonly exitCode: number | undefined;
  /** The errno name when the child could not be started (ENOENT, EACCES, ETXTBSY, ...). */
  readonly spawnError?: string | undefined;
  /** The message of the start failure. */
  readonly spawnMessage?: string | undefined;
  readonly timedOut?: boolean | undefined;
  readonly aborted?: boolean | undefined;
}

/**
 * Runs one child process to completion: the seam between the CNI exec logic (retries, error
 * parsing) and process creation. One spawner per purpose:
 * - posixSpawner (./posix-spawn.ts), in production: plugins delegating to IPAM, the runtime
 *   library and cnitool. posix_spawn through lib/sys, because loading node:child_process
 *   (~6 ms) and forking the whole process (~4 ms) would cost every delegating ADD and DEL,
 *   and execa ~22 ms more to load and ~5 ms more per run under Node.
 * - childProcessSpawner (scripts/bench/child-process-spawner.ts), for the bench driver, which
 *   times every exec from Node: it learns of the exit from SIGCHLD, where posixSpawner polls
 *   at an interval that grows with the run (up to 20 ms), and it is what the published
 *   figures were measured with.
 * - Tests use lib/testing's fakeSpawner (answers from a table) and netnsSpawner (`ip netns
 *   exec`, to drive plugins on a throwaway node).
 */
export type Spawner = (request: SpawnRequest) => Promise<SpawnOutcome>;
