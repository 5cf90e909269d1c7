import { ipToString } from '../../lib/addr/index.ts';
import type { PortmapBackend, PortmapSpec } from '../../lib/firewall/portmap/index.ts';
import { allowLocalhostTo, flushUdpConntrack } from '../../lib/link/index.ts';
import { udpFlushPlan } from './plan.ts';
import { removeState, saveState } from './state.ts';

// The host changes of ADD and DEL, each taking the plan (a PortmapSpec) rather than a config.

function logLine(line: string): void {
  process.stderr.write(`portmap: ${line}\n`);
}

/**
 * Installs the rules in one firewall transaction and records them for DEL; with snat, lets
 * localhost reach the container's IPv4 address. A failure after the rules are in removes them
 * and the record again.
 */
export async function installMappings(backend: PortmapBackend, stateDir: string, spec: PortmapSpec): Promise<void> {
  await backend.setup(spec);
  try {
    saveState(stateDir, spec, backend.name);
    if (spec.snat && spec.containerIPv4) allowLocalhostTo(ipToString(spec.containerIPv4.ip));
  } catch (e) {
    await backend.teardown(spec).catch(() => {});
    removeState(stateDir, spec);
    throw e;
  }
}

/** Drops the conntrack entries of the spec's UDP host ports, best effort (see lib/link). */
export function flushStaleUdp(spec: PortmapSpec): void {
  flushUdpConntrack(udpFlushPlan(spec), logLine);
}
