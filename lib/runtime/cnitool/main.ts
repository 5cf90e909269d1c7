// cnitool's executable entry: runs the CLI with the process's argv and environment.
import { runCnitool } from './cli.ts';

runCnitool(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`cnitool: ${String((e as Error)?.stack ?? e)}\n`);
    process.exitCode = 1;
  },
);
