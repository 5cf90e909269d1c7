import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type AttachmentRequest, CniError, type ConfigRequest, ErrorCode, type GcRequest, type Result, parsePrevResult, runSteps } from '../../lib/cni/index.ts';
import { backendsInUse, selectBackend, systemRunner } from '../../lib/firewall/index.ts';
import { type PortmapSpec, type PortmapTeardownTarget, portmap } from '../../lib/firewall/portmap/index.ts';
import { type PortmapConfig, containerAddresses, parsePortmapConfig } from './config.ts';
import { type UdpFlush, allowLocalhostTo, flushUdpConntrack } from '../../lib/link/index.ts';
import { loadState, removeState, saveState } from './state.ts';

function requirePrev(req: AttachmentRequest): Result {
  const prev = parsePrevResult(req.config);
  if (!prev) throw new CniError(ErrorCode.InvalidConfig, 'must be called as chained plugin', 'portmap needs prevResult: put it after an interface plugin such as bridge in a conflist');
  return prev;
}

/** The conntrack entries a mapping change makes stale: its UDP host ports, in the pod's families. */
function udpFlush(spec: PortmapSpec): UdpFlush {
  const families = ([4, 6] as const).filter((f) => (f === 4 ? spec.containerIPv4 : spec.containerIPv6) !== undefined);
  return { families, ports: spec.mappings.filter((m) => m.protocol === 'udp').map((m) => m.hostPort) };
}

function logLine(line: string): void {
  process.stderr.write(`portmap: ${line}\n`);
}

function buildSpec(cfg: PortmapConfig, req: AttachmentRequest, prev: Result): PortmapSpec {
  const { v4, v6 } = containerAddresses(prev, req);
  return {
    network: cfg.network,
    containerId: req.containerId,
    ifname: req.ifname,
    mappings: cfg.mappings,
    ...(v4 ? { containerIPv4: v4 } : {}),
    ...(v6 ? { containerIPv6: v6 } : {}),
    snat: cfg.snat,
    masqAll: cfg.masqAll,
    markMasqBit: cfg.markMasqBit,
    ...(cfg.externalSetMarkChain ? { externalSetMarkChain: cfg.externalSetMarkChain } : {}),
    ...(cfg.conditionsV4 ? { conditionsV4: cfg.conditionsV4 } : {}),
    ...(cfg.conditionsV6 ? { conditionsV6: cfg.conditionsV6 } : {}),
  };
}

/** ADD: DNAT rules for every mapping in one transaction, then pass prevResult through. */
export async function add(req: AttachmentRequest): Promise<Result> {
  const cfg = parsePortmapConfig(req);
  const prev = requirePrev(req);
  if (!cfg.mappings.length) return prev;
  const spec = buildSpec(cfg, req, prev);
  if (!spec.containerIPv4 && !spec.containerIPv6) return prev; // nothing on CNI_IFNAME to forward to
  const backend = selectBackend(portmap, cfg.backend, systemRunner());
  await backend.setup(spec);
  try {
    saveState(cfg.stateDir, spec, backend.name);
    if (cfg.snat && spec.containerIPv4) allowLocalhostTo(spec.containerIPv4.ip);
  } catch (e) {
    await backend.teardown(spec).catch(() => {});
    removeState(cfg.stateDir, spec);
    throw e;
  }
  flushUdpConntrack(udpFlush(spec), logLine);
  return prev;
}

/**
 * DEL: remove exactly what ADD installed, from the recorded state, or from the mappings the
 * runtime sent again; with neither there is nothing of ours (a pod without mappings costs one
 * failed file open). Every installed backend is asked, since the ADD may have used either.
 */
export async function del(req: AttachmentRequest): Promise<void> {
  const cfg = parsePortmapConfig(req);
  const owner = { network: cfg.network, containerId: req.containerId, ifname: req.ifname };
  const state = loadState(cfg.stateDir, owner);
  let target: PortmapSpec | PortmapTeardownTarget | undefined = state?.spec;
  if (!target && cfg.mappings.length) {
    let prev: Result | undefined;
    try {
      prev = parsePrevResult(req.config);
    } catch {
      prev = undefined;
    }
    // without prevResult the backends find the rules by owner
    target = prev ? buildSpec(cfg, req, prev) : { ...owner, mappings: cfg.mappings };
  }
  if (!target) return;
  const found = target;
  const runner = systemRunner();
  // the recorded backend alone when known; otherwise every installed one
  const backends = backendsInUse(portmap, runner).filter((b) => !state || b.name === state.backend);
  await runSteps('portmap DEL', backends.map((b) => [`${b.name} teardown`, () => b.teardown(found)] as const));
  if ('snat' in found) flushUdpConntrack(udpFlush(found as PortmapSpec), logLine);
  removeState(cfg.stateDir, owner);
}

/** CHECK: the rules of every mapping exist, for the families the pod has. */
export async function check(req: AttachmentRequest): Promise<void> {
  const cfg = parsePortmapConfig(req);
  const prev = requirePrev(req);
  if (!cfg.mappings.length) return;
  const spec = buildSpec(cfg, req, prev);
  if (!spec.containerIPv4 && !spec.containerIPv6) return;
  const backend = selectBackend(portmap, cfg.backend, systemRunner());
  try {
    await backend.check(spec);
  } catch (e) {
    throw new CniError(ErrorCode.Internal, `portmap CHECK failed: ${(e as Error).message}`);
  }
}

/** GC: drop the rules and records of this network's attachments that are no longer valid. */
export async function gc(req: GcRequest): Promise<void> {
  if (!req.validAttachments) return;
  const cfg = parsePortmapConfig(req);
  const valid = req.validAttachments.map((a) => ({ containerId: a.containerID, ifname: a.ifname }));
  const keep = new Set(valid.map((a) => `${a.containerId}:${a.ifname}`));
  const runner = systemRunner();
  await runSteps('portmap GC', [
    ...backendsInUse(portmap, runner).map((b) => [`${b.name} GC`, () => b.gc(cfg.network, valid)] as const),
    ['state records', () => {
      let names: string[] = [];
      try {
        names = readdirSync(join(cfg.stateDir, cfg.network));
      } catch {
        return;
      }
      for (const n of names) {
        const sep = n.indexOf(':');
        if (sep > 0 && !keep.has(n)) removeState(cfg.stateDir, { network: cfg.network, containerId: n.slice(0, sep), ifname: n.slice(sep + 1) });
      }
    }],
  ]);
}

/** STATUS: an ADD needs a usable backend (NoFirewallBackendError, code 50, otherwise). */
export async function status(req: ConfigRequest): Promise<void> {
  const cfg = parsePortmapConfig(req);
  selectBackend(portmap, cfg.backend, systemRunner());
}
