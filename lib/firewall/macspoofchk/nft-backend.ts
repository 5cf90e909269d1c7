import { FirewallCheckError } from '../errors.ts';
import type { CommandOutput, CommandRunner } from '../runner.ts';
import { FAMILY, TABLE, spoofCheckMissing, spoofCheckSetupJson, spoofCheckTeardownJson, staleSpoofChecksJson } from './nft-plan.ts';
import type { MacSpoofCheckBackend, MacSpoofCheckSpec } from './types.ts';

/** The table is not there: nothing of ours can be either. */
const noTable = (r: CommandOutput): boolean => /No such file or directory/.test(r.stderr);

/**
 * The MAC spoof check in the reference's nftables layout (nft-plan.ts): setup and teardown
 * are one `nft -j` transaction each, teardown after one listing of the table.
 */
export function nftablesMacSpoofCheck(runner: CommandRunner, options: { nft?: string } = {}): MacSpoofCheckBackend {
  const nft = options.nft ?? 'nft';
  const list = (): Promise<CommandOutput> => runner.run([nft, '-j', '-a', 'list', 'table', FAMILY, TABLE]);
  /** Lists the table, deletes what `plan` picks in one transaction; absent table: nothing to do. */
  async function deleteListed(plan: (listing: string) => string | undefined, what: string): Promise<void> {
    // a second round absorbs a concurrent change between the listing and the delete
    for (let round = 0; ; round++) {
      const listed = await list();
      if (listed.exitCode !== 0) {
        if (noTable(listed)) return;
        throw new Error(`listing table bridge nat failed: ${listed.stderr.trim()}`);
      }
      const script = plan(listed.stdout);
      if (!script) return;
      const r = await runner.run([nft, '-j', script]);
      if (r.exitCode === 0) return;
      if (round === 1) throw new Error(`deleting ${what} failed: ${r.stderr.trim()}`);
    }
  }
  return {
    name: 'nftables',
    feature: 'macspoofchk',
    async setup(spec) {
      const r = await runner.run([nft, '-j', spoofCheckSetupJson(spec)]);
      if (r.exitCode !== 0) throw new Error(`macspoofchk setup failed: ${r.stderr.trim()}`);
    },

    /** Also removes a check the Go plugin made; what is absent counts as removed. */
    async teardown(target) {
      await deleteListed((listing) => spoofCheckTeardownJson(listing, target), 'the check');
    },

    async check(spec: MacSpoofCheckSpec) {
      const listed = await list();
      if (listed.exitCode !== 0 && !noTable(listed)) throw new Error(`listing table bridge nat failed: ${listed.stderr.trim()}`);
      const missing = listed.exitCode === 0 ? spoofCheckMissing(listed.stdout, spec) : [`table ${FAMILY} ${TABLE}`];
      if (missing.length > 0) throw new FirewallCheckError('nftables', 'MAC spoof check rules', missing);
    },

    /**
     * The layout names no network (chains and comments hold only the container ID and
     * ifname, as in Go): the caller's scope tells this network's checks by their host
     * interface; without one nothing is removed.
     */
    async gc(_network, valid, scope) {
      if (!scope) return;
      await deleteListed((listing) => staleSpoofChecksJson(listing, valid, scope.hostInterfaceIsOurs), 'stale checks');
    },
  };
}
