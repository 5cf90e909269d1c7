import type { BridgeNetwork } from './conflist.ts';
import type { ScenarioContext } from './context.ts';
import { eventually } from './sh.ts';
import {
  expectNone,
  linesMentioning,
  readBridgePorts,
  readCacheEntries,
  readIpamFiles,
  readRuleset,
  sourceRules,
  readVeths,
  reservations,
  type ContainerRefs,
} from './traces.ts';

// The node-side checks both runtimes share: while a container runs, its traces are where we look
// (so the removal checks can fail); once the runtime removed it, none are left.

/** Which container, on which network, under which check-name prefix. */
export interface TraceTarget {
  readonly prefix: string;
  readonly net: BridgeNetwork;
}

/**
 * While `web` runs: exactly one host-local reservation, named after its address; a libcni cache
 * entry; one port on the bridge; rules for its host port; with ipMasq, a rule matching its address
 * as the source (iptables `-s <ip>`, nftables `saddr <ip>`).
 */
export async function checkWhileRunning(ctx: ScenarioContext, { prefix, net, web }: TraceTarget & { web: { id: string; ip: string; hostPort: number } }): Promise<void> {
  const { report, env } = ctx;
  await report.check(`${prefix}: web shows up in IPAM, libcni cache, bridge and rules while running`, () => {
    const held = reservations(readIpamFiles(net.ipamDir), [web.id]).map((f) => f.path);
    if (held.length !== 1 || !held[0]?.endsWith(`/${web.ip}`)) throw new Error(`host-local reservations in ${net.ipamDir}: ${held.join(' ') || 'none'}`);
    if (!readCacheEntries(env, net.name).some((e) => e.includes(web.id))) throw new Error('no libcni cache entry');
    const ports = readBridgePorts(env, net.bridge);
    if (ports.length !== 1) throw new Error(`bridge ports: ${ports.join(' ') || 'none'}`);
    const rules = readRuleset(env);
    if (linesMentioning(rules, { ids: [], ips: [], hostPorts: [web.hostPort] }).length === 0) throw new Error('no rule for the host port');
    if (net.ipMasq && sourceRules(rules, web.ip).length === 0) throw new Error(`ipMasq is on but no rule matches source ${web.ip}`);
    return `reservation, cache entry, 1 bridge port, host-port rules${net.ipMasq ? ', masquerade rules' : ''}`;
  });
}


/** The removal checks shared by both runtimes: rules, veths, reservations, cache entries. */
export async function checkNoTraces(ctx: ScenarioContext, { prefix, net, refs }: TraceTarget & { refs: ContainerRefs }): Promise<void> {
  const { report, env } = ctx;
  await report.check(`${prefix}: removal left no rules mentioning the container, its address or host port`, () =>
    eventually(() => expectNone('rules', linesMentioning(readRuleset(env), refs)), 5_000, 200),
  );
  await report.check(`${prefix}: removal left no veths`, () =>
    eventually(() => {
      expectNone('veths', readVeths(env));
      expectNone('bridge ports', readBridgePorts(env, net.bridge));
    }, 5_000, 200),
  );
  await report.check(`${prefix}: removal left no IP reservations`, () =>
    eventually(() => expectNone('reservations', reservations(readIpamFiles(net.ipamDir), refs.ids).map((f) => f.path)), 5_000, 200),
  );
  await report.check(`${prefix}: removal left no libcni cache entries`, () =>
    eventually(() => expectNone('cache entries', readCacheEntries(env, net.name)), 5_000, 200),
  );
}
