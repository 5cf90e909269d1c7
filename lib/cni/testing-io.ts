import type { PluginIo } from './skel.ts';

/** A fake process I/O for skel tests: fixed env and stdin, captured stdout and stderr. */
export interface CapturedIo extends PluginIo {
  readonly stdout: string[];
  readonly stderr: string[];
  stdinReads: number;
}

/** Builds a fake I/O; `stdin` undefined makes reading stdin fail like a closed descriptor. */
export function fakeIo(env: Record<string, string | undefined>, stdin?: string): CapturedIo {
  const io: CapturedIo = {
    env,
    stdout: [],
    stderr: [],
    stdinReads: 0,
    readStdin() {
      io.stdinReads++;
      if (stdin === undefined) throw new Error('EBADF: bad file descriptor, read');
      return Buffer.from(stdin);
    },
    writeStdout(text) {
      io.stdout.push(text);
    },
    writeStderr(text) {
      io.stderr.push(text);
    },
  };
  return io;
}
