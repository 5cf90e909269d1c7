import { type CommandRunner, type MasqAddress, type MasqueradeBackend, backendsInUse, macSpoofCheck, selectBackend, teardownEveryBackend } from '../../lib/firewall/index.ts';
import type { UndoStack } from '../../lib/undo.ts';

/** The firewall features of one attachment, with what each needs to know. */
export interface FirewallWork {
  readonly network: string;
  readonly containerId: string;
  readonly ifname: string;
  /** Present when the container's addresses are masqueraded. */
  readonly masquerade?: { readonly backend: MasqueradeBackend; readonly ips: readonly MasqAddress[] } | undefined;
  /** Present when frames from the container must carry its MAC. */
  readonly spoofCheck?: { readonly hostVeth: string; readonly mac: string } | undefined;
}

/**
 * Starts the firewall processes (iptables-restore or nft) and registers their removal; they
 * run while the caller does its netlink work, and the returned promise settles when all have
 * finished. Every removal tolerates what is absent, so it is registered before the outcome.
 */
export function startFirewall(runner: CommandRunner, w: FirewallWork, undo: UndoStack): Promise<void> {
  const running: Promise<void>[] = [];
  if (w.masquerade) {
    const { backend } = w.masquerade;
    const spec = { network: w.network, containerId: w.containerId, ifname: w.ifname, ips: w.masquerade.ips };
    const done = backend.setup(spec);
    running.push(done);
    undo.push('remove the masquerade rules', async () => {
      await done.catch(() => {});
      await backend.teardown(spec);
    });
  }
  if (w.spoofCheck) {
    const a = { containerId: w.containerId, ifname: w.ifname, ...w.spoofCheck };
    // a node without nft rejects this promise (code 50), after the netlink work it overlaps
    const done = (async () => selectBackend(macSpoofCheck, undefined, runner).setup(a))();
    running.push(done);
    undo.push('remove the MAC spoof check', async () => {
      await done.catch(() => {});
      await teardownEveryBackend(backendsInUse(macSpoofCheck, runner), a);
    });
  }
  for (const p of running) p.catch(() => {}); // awaited below; this only marks rejections as handled meanwhile
  return Promise.all(running).then(() => undefined);
}
