import { appendLogLine } from './append-log.ts';
import { readToEnd, writeAll } from './file.ts';

/**
 * A plugin process's I/O in the shape lib/cni's skel takes (its PluginIo): the environment,
 * stdin read to the end, and synchronous writes to fds 1 and 2 through libc, so nothing is
 * lost when the process exits and no node:fs is loaded for it; and the invocation log's
 * append (append-log.ts), called only when a log file is configured.
 */
export function processIo(): {
  readonly env: Readonly<Record<string, string | undefined>>;
  readStdin(): Buffer;
  writeStdout(text: string): void;
  writeStderr(text: string): void;
  appendLog(path: string, line: string, maxBytes: number): void;
} {
  return {
    env: process.env,
    readStdin: () => readToEnd(0),
    writeStdout: (text) => writeAll(1, text),
    writeStderr: (text) => writeAll(2, text),
    appendLog: appendLogLine,
  };
}
