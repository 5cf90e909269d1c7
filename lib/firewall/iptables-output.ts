import type { CommandOutput } from './runner.ts';

// What the iptables tools' answers mean, shared by the masquerade and the portmap backends.

/** Exit status of a command that could not be started (not installed). */
export const NOT_INSTALLED = 127;

/**
 * `iptables -S <chain>` failing because the chain, or the whole nat table, is not there: the
 * legacy and the nf_tables wordings (exit 1 or 2; iptables-nft says "does not exist").
 */
export function chainAbsent(r: CommandOutput): boolean {
  return (r.exitCode === 1 || r.exitCode === 2) && /No chain\/target\/match|does not exist|incompatible|No such file/i.test(r.stderr);
}

/** Runs one job per family concurrently (iptables and ip6tables never contend) and reports all failures. */
export async function eachFamily<T>(items: readonly T[], job: (item: T) => Promise<void>): Promise<void> {
  const results = await Promise.allSettled(items.map(job));
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
  if (failed.length === 1) throw failed[0];
  if (failed.length > 1) throw new AggregateError(failed, failed.map((e) => (e instanceof Error ? e.message : String(e))).join('; '));
}
