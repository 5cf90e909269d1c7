import { execa } from 'execa';

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

/** The real runner: spawns with execa, never through a shell, with a minimal PATH fallback. */
export function systemRunner(): CommandRunner {
  return {
    async run(argv, options = {}) {
      const [file, ...args] = argv;
      if (file === undefined) throw new Error('empty argv');
      const r = await execa(file, args, {
        input: options.input ?? '',
        reject: false,
        stripFinalNewline: false,
        env: { PATH: process.env.PATH || '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
        extendEnv: false,
      });
      if (r.failed && r.exitCode === undefined) {
        // the process never ran (ENOENT and the like): report it as exit 127 like a shell would
        return { stdout: '', stderr: r.shortMessage ?? String(r.message), exitCode: 127 };
      }
      return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? 1 };
    },
  };
}
