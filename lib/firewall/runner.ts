import { type RunningProcess, startProcess } from '../sys/index.ts';

/** What one command run returned. A non-zero exit is data here, not an exception. */
export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** Options for one command run. */
export interface RunOptions {
  /** Bytes written to the command's stdin (an iptables-restore or `nft -f -` transaction). */
  readonly input?: string;
}

/**
 * The one seam through which the firewall code starts processes, so plans can be
 * tested against a fake that records argv and stdin.
 */
export interface CommandRunner {
  run(argv: readonly string[], options?: RunOptions): Promise<CommandOutput>;
}

/** Thrown when a firewall command failed in a way the caller did not expect. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number,
    readonly stderr: string,
  ) {
    super(`${argv.join(' ')} failed (exit ${exitCode}): ${stderr.trim() || 'no error output'}`);
  }
}

/**
 * The real runner: starts the tool directly (never through a shell) with posix_spawn through
 * lib/sys, so a bridge or portmap run loads neither node:child_process (~6 ms) nor execa
 * (~24 ms) and does not fork the whole Node process. A bare name (`iptables-restore`) is
 * looked up in PATH, which is the child's only environment variable. The child starts
 * within the call, so it runs while the caller goes on with synchronous netlink work.
 */
export function systemRunner(): CommandRunner {
  return {
    run(argv, options = {}) {
      const [file] = argv;
      if (file === undefined) return Promise.reject(new Error('empty argv'));
      const env = { PATH: process.env.PATH || '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };
      let child: RunningProcess;
      try {
        child = startProcess({ file, argv, env, stdin: options.input ?? '' });
      } catch (e) {
        // never ran (ENOENT, EACCES...): reported as a shell would, exit 127
        return Promise.resolve({ stdout: '', stderr: e instanceof Error ? e.message : String(e), exitCode: 127 });
      }
      return child.outcome.then((out) => ({
        stdout: out.stdout.toString(),
        stderr: out.stderr.toString() + (out.signal ? `killed by ${out.signal}` : ''),
        exitCode: out.exitCode ?? 128,
      }));
    },
  };
}
