import { ipToString } from '../../lib/addr/index.ts';
import type { PortmapBackend, PortmapSpec } from '../../lib/firewall/portmap/index.ts';
import { type ConntrackFlush, allowLocalhostTo, flushConntrack } from '../../lib/link/index.ts';
import { runSteps } from '../../lib/cni/index.ts';
import type { Owner } from '../../lib/core/index.ts';
import type { TeardownPlan } from './plan.ts';
import { removeState, removeStateAndLeftovers, saveState } from './state.ts';

// The host changes of ADD and DEL, each taking the plan (a PortmapSpec) rather than a config.

function logLine(line: string): void {
  process.stderr.write(`portmap: ${line}\n`);
}

/**
 * Installs the rules in one firewall transaction and records them for DEL; with snat, lets
 * localhost reach the container's IPv4 address; then drops the stale UDP and SCTP flows. A failure
 * after the rules are in removes them and the record again.
 */
export async function installMappings(backend: PortmapBackend, stateDir: string, spec: PortmapSpec, flush: ConntrackFlush): Promise<void> {
  await backend.setup(spec);
  try {
    saveState(stateDir, spec, backend.name);
    if (spec.snat && spec.containerIPv4) allowLocalhostTo(ipToString(spec.containerIPv4.ip));
  } catch (e) {
    await backend.teardown(spec).catch(() => {});
    removeState(stateDir, spec);
    throw e;
  }
  flushConntrack(flush, logLine);
}

/**
 * Removes the planned rules from each backend (every step runs; errors are joined), drops
 * their UDP and SCTP flows, then the record.
 */
export async function removeMappings(backends: readonly PortmapBackend[], plan: TeardownPlan, stateDir: string, owner: Owner): Promise<void> {
  const target = plan.target;
  await runSteps('portmap DEL', backends.map((b) => [`${b.name} teardown`, () => b.teardown(target)] as const));
  if (plan.flush) flushConntrack(plan.flush, logLine);
  removeStateAndLeftovers(stateDir, owner);
}
