import { spawn } from 'node:child_process';

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
 * The real runner: spawns directly, never through a shell. node:child_process rather than
 * execa: execa costs about 24 ms to load, paid by every bridge and portmap run.
 */
export function systemRunner(): CommandRunner {
  return {
    run(argv, options = {}) {
      const [file, ...args] = argv;
      if (file === undefined) return Promise.reject(new Error('empty argv'));
      return new Promise((resolve) => {
        const child = spawn(file, args, {
          env: { PATH: process.env.PATH || '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on('data', (d: Buffer) => out.push(d));
        child.stderr.on('data', (d: Buffer) => err.push(d));
        child.stdin.on('error', () => {}); // a tool may exit without reading its input
        child.on('error', (e) => resolve({ stdout: '', stderr: e.message, exitCode: 127 })); // never ran (ENOENT...)
        child.on('close', (code, signal) =>
          resolve({
            stdout: Buffer.concat(out).toString(),
            stderr: Buffer.concat(err).toString() + (signal ? `killed by ${signal}` : ''),
            exitCode: code ?? 128,
          }),
        );
        child.stdin.end(options.input ?? '');
      });
    },
  };
}
