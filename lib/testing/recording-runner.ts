import type { CommandOutput, CommandRunner, RunOptions } from '../firewall/runner.ts';

/** One command the fake saw: argv and the stdin it was given. */
export interface RecordedCall {
  readonly argv: readonly string[];
  readonly input: string | undefined;
}

/** Decides a fake command's output; `undefined` means success with empty output. */
export type FakeCommandResponder = (argv: readonly string[], input: string | undefined) => Partial<CommandOutput> | undefined;

/** A CommandRunner for unit tests that records every call and answers through `respond`. */
export interface RecordingRunner extends CommandRunner {
  readonly calls: RecordedCall[];
}

/**
 * A fake CommandRunner for tests: plans are asserted on the recorded argv and stdin
 * instead of on a real firewall.
 */
export function recordingRunner(respond: FakeCommandResponder = () => undefined): RecordingRunner {
  const calls: RecordedCall[] = [];
  return {
    calls,
    async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandOutput> {
      calls.push({ argv: [...argv], input: options.input });
      const r = respond(argv, options.input) ?? {};
      return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', exitCode: r.exitCode ?? 0 };
    },
  };
}
