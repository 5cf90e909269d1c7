import { runSteps } from '../../lib/cni/index.ts';
import type { Attachment, Owner } from '../../lib/core/index.ts';
import type { ForwardBackend, ForwardSpec } from '../../lib/firewall/forward/index.ts';
import { forgetRecord, forgetRecordAndLeftovers, saveRecord } from './state.ts';

// The host changes of ADD, DEL and GC, each taking the plan (a ForwardSpec) rather than a config.

/**
 * Installs the rules (one transaction per address family), then records the addresses for a
 * DEL without prevResult. When a family or the record fails after the rules went in, the
 * address rules go again, so a failed ADD leaves no pod rule (and no record) behind.
 */
export async function installRules(backend: ForwardBackend, spec: ForwardSpec, stateDir: string): Promise<void> {
  try {
    await backend.setup(spec);
    saveRecord(stateDir, spec, { backend: backend.name, ips: spec.ips });
  } catch (e) {
    await backend.teardown(spec).catch(() => {});
    forgetRecord(stateDir, spec);
    throw e;
  }
}

/**
 * Removes the attachment's rules from every backend given (every step runs; errors are
 * joined), then its record: a failed teardown keeps the record for the runtime's retry.
 */
export async function removeRules(backends: readonly ForwardBackend[], spec: ForwardSpec, stateDir: string): Promise<void> {
  await runSteps('firewall DEL', backends.map((b) => [`${b.name} teardown`, () => b.teardown(spec)] as const));
  forgetRecordAndLeftovers(stateDir, spec);
}

/**
 * GC: each backend drops the rules whose owner it can tell (nftables), and iptables the
 * address rules planned from the records of invalid attachments (planGcTeardowns). The
 * records go once their rules are gone; a failure keeps them for the next GC.
 */
export async function collectRules(
  backends: readonly ForwardBackend[],
  network: string,
  valid: readonly Attachment[],
  iptablesTeardowns: readonly ForwardSpec[],
  stale: readonly Owner[],
  stateDir: string,
): Promise<void> {
  const iptables = backends.find((b) => b.name === 'iptables');
  await runSteps('firewall GC', [
    ...backends.map((b) => [`${b.name} GC`, () => b.gc(network, valid)] as const),
    ...(iptables ? iptablesTeardowns.map((s) => [`iptables teardown of ${s.containerId}:${s.ifname}`, () => iptables.teardown(s)] as const) : []),
  ]);
  for (const owner of stale) forgetRecordAndLeftovers(stateDir, owner);
}
