import { randomBytes } from 'node:crypto';
import type { CommandOutput, CommandRunner } from './runner.ts';
import { CommandError, systemRunner } from './runner.ts';

// Test-only: a throwaway network namespace and a CommandRunner whose commands run inside it
// (through `nsenter --net`, which is much cheaper than `ip netns exec` and so keeps timings
// meaningful). The test process itself never changes namespace.

/** A named netns created for one test file. */
export interface TestNetns {
  readonly name: string;
  /** Runs firewall commands inside the namespace. */
  readonly runner: CommandRunner;
  /** Runs a command inside the namespace and returns stdout. @throws CommandError on a non-zero exit */
  sh(argv: readonly string[], input?: string): Promise<string>;
  /** Deletes the namespace (idempotent). */
  destroy(): Promise<void>;
}

/** True when the test process may create namespaces and firewall rules. */
export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Creates `cnits-<purpose>-<random>`. @throws CommandError */
export async function createTestNetns(purpose: string): Promise<TestNetns> {
  const host = systemRunner();
  const name = `cnits-${purpose}-${randomBytes(4).toString('hex')}`;
  const must = async (argv: readonly string[], r: CommandOutput): Promise<string> => {
    if (r.exitCode !== 0) throw new CommandError(argv, r.exitCode, r.stderr);
    return r.stdout;
  };
  await must(['ip', 'netns', 'add', name], await host.run(['ip', 'netns', 'add', name]));
  const prefix = ['nsenter', `--net=/run/netns/${name}`, '--'];
  const runner: CommandRunner = {
    run: (argv, options) => host.run([...prefix, ...argv], options),
  };
  let gone = false;
  return {
    name,
    runner,
    async sh(argv, input) {
      return must(argv, await runner.run(argv, input === undefined ? {} : { input }));
    },
    async destroy() {
      if (gone) return;
      gone = true;
      await host.run(['ip', 'netns', 'del', name]);
    },
  };
}

/** Wraps a runner to count the commands it starts. */
export function countingRunner(inner: CommandRunner): CommandRunner & { count: number } {
  const counter = {
    count: 0,
    run(argv: readonly string[], options?: Parameters<CommandRunner['run']>[1]): Promise<CommandOutput> {
      counter.count++;
      return inner.run(argv, options);
    },
  };
  return counter;
}
