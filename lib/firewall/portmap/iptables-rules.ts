import { hostCidr } from '../ip-text.ts';
import { saveString } from '../iptables-save.ts';
import { portmapDnatChainName, portmapLegacySnatChainName } from '../names.ts';
import type { Family } from '../../addr/index.ts';
import type { FamilyMapping, FamilyView } from './spec.ts';
import type { PortmapSpec, PortProtocol } from './types.ts';
import type { Owner } from '../../core/index.ts';

// The Go portmap layout in table nat, as data. Every rule is kept in iptables-save's own
// canonical form (the text after `-A CHAIN `), so a rule we expect can be compared with a
// listed one as a string, and a `-D` built from the spec matches what ADD installed.
// Golden: reference-benchmarks.md 3.1. The transactions built from it: iptables-restore.ts.

/** Node-wide chain shared by all containers, entered from PREROUTING and OUTPUT. */
export const TOP_DNAT_CHAIN = 'CNI-HOSTPORT-DNAT';
/** Node-wide chain that marks a connection for masquerading. */
export const SETMARK_CHAIN = 'CNI-HOSTPORT-SETMARK';
/** Node-wide chain that masquerades marked connections, entered at POSTROUTING position 1. */
export const MASQ_CHAIN = 'CNI-HOSTPORT-MASQ';
/** Entry chain of the old per-container SNAT chains; only ever read on teardown. */
export const LEGACY_TOP_SNAT_CHAIN = 'CNI-HOSTPORT-SNAT';
/** Our filter chain dropping martian 127/8 traffic that route_localnet would let in (IPv4). */
export const LOCALNET_CHAIN = 'CNI-HOSTPORT-LOCALNET';

/** `PREROUTING` / `OUTPUT` -> CNI-HOSTPORT-DNAT, appended once per node. */
export const DNAT_JUMP = `-m addrtype --dst-type LOCAL -j ${TOP_DNAT_CHAIN}`;
/** `POSTROUTING` -> CNI-HOSTPORT-MASQ, inserted at position 1 once per node. */
export const MASQ_JUMP = `-m comment --comment "CNI portfwd requiring masquerade" -j ${MASQ_CHAIN}`;
/** `INPUT` / `OUTPUT` (filter) -> CNI-HOSTPORT-LOCALNET, inserted at position 1 once per node. */
export const LOCALNET_JUMP = `-j ${LOCALNET_CHAIN}`;
/**
 * kube-proxy's guard for route_localnet (kubernetes#90259, plugins#729): a packet to 127/8
 * from elsewhere is dropped unless conntrack says it belongs to a connection we DNATed
 * (localhost -> hostPort) or an established one.
 */
export const LOCALNET_GUARD_RULE =
  '! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "CNI portmap: block incoming localnet connections" ' +
  '-m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP';

/** multiport accepts at most 15 ports per rule. */
export const MULTIPORT_MAX = 15;

/** A rule at a place in a table: `spec` is the canonical text after `-A <chain> `. */
export interface IptablesRule {
  readonly table: 'nat' | 'filter';
  readonly chain: string;
  readonly spec: string;
  /** How the repair path adds it when missing: append, or insert at position 1. */
  readonly position: 'append' | 'first';
}

/** Which chain the per-container mark rules jump to. */
export type SetMarkTarget = { readonly kind: 'none' } | { readonly kind: 'own' } | { readonly kind: 'external'; readonly chain: string };

/** One family's rules for one attachment, plus the node-wide pieces they depend on. */
export interface IptablesFamilyPlan {
  readonly family: Family;
  /** `CNI-DN-<hash>` of network + container ID. */
  readonly dnatChain: string;
  /** `CNI-SN-<hash>`: only torn down. */
  readonly legacySnatChain: string;
  /** Rules of the per-container chain, in order. */
  readonly chainRules: readonly string[];
  /** Rules in CNI-HOSTPORT-DNAT jumping to the per-container chain (one per protocol and 15 ports). */
  readonly entryRules: readonly string[];
  /** Node-wide chains this plan needs, created by the repair path. */
  readonly nodeChains: readonly { readonly table: 'nat' | 'filter'; readonly chain: string }[];
  /** Node-wide rules this plan needs, in creation order. */
  readonly nodeRules: readonly IptablesRule[];
}

/** `0x2000/0x2000` for bit 13, as Go's `%#x` prints it. */
export function markValue(bit: number): string {
  const hex = `0x${(2 ** bit).toString(16)}`;
  return `${hex}/${hex}`;
}

/** The SETMARK chain's one rule. */
export function setMarkRule(bit: number): string {
  return `-m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark ${markValue(bit)}`;
}

/** The MASQ chain's one rule. */
export function masqMarkRule(bit: number): string {
  return `-m mark --mark ${markValue(bit)} -j MASQUERADE`;
}

/** Go's entry-rule comment, cut to iptables' 255-character limit the way Go cuts it. */
export function dnatComment(network: string, containerId: string): string {
  const c = `dnat name: "${network}" id: "${containerId}"`;
  return c.length <= 255 ? c : `${c.slice(0, 253)}...`;
}

/** An argument for a restore line: bare unless it holds a space, quote or backslash. */
export function restoreArg(token: string): string {
  return /^[^\s"'\\]+$/.test(token) ? token : saveString(token);
}

function setMarkTarget(spec: Pick<PortmapSpec, 'snat' | 'externalSetMarkChain'>): SetMarkTarget {
  if (!spec.snat) return { kind: 'none' };
  return spec.externalSetMarkChain === undefined ? { kind: 'own' } : { kind: 'external', chain: spec.externalSetMarkChain };
}

function dportMatch(m: FamilyMapping): string {
  const dst = m.hostIP === undefined ? '' : `-d ${hostCidr(m.hostIP)} `;
  return `${dst}-p ${m.protocol} -m ${m.protocol} --dport ${m.hostPort}`;
}

function dnatTarget(view: FamilyView, port: number): string {
  return view.family === 4 ? `${view.ip}:${port}` : `[${view.ip}]:${port}`;
}

/** The per-container chain's rules: per mapping, hairpin mark, localhost mark (IPv4), DNAT. */
export function dnatChainRules(spec: Pick<PortmapSpec, 'snat' | 'masqAll' | 'externalSetMarkChain'>, view: FamilyView): string[] {
  const target = setMarkTarget(spec);
  const markChain = target.kind === 'external' ? target.chain : SETMARK_CHAIN;
  const rules: string[] = [];
  for (const m of view.mappings) {
    const match = dportMatch(m);
    if (target.kind !== 'none') {
      // iptables-save leaves out a 0.0.0.0/0 or ::/0 source, so masqAll has no -s at all
      rules.push(spec.masqAll ? `${match} -j ${markChain}` : `-s ${view.subnet} ${match} -j ${markChain}`);
      if (view.family === 4 && !spec.masqAll) rules.push(`-s 127.0.0.1/32 ${match} -j ${markChain}`);
    }
    rules.push(`${match} -j DNAT --to-destination ${dnatTarget(view, m.containerPort)}`);
  }
  return rules;
}

/**
 * The multiport rules in CNI-HOSTPORT-DNAT: protocols sorted, ports in spec order without
 * repeats, at most 15 per rule, the family's conditions after the ports (as Go puts them).
 */
export function entryRules(owner: Owner, view: FamilyView): string[] {
  const byProto = new Map<PortProtocol, number[]>();
  for (const m of view.mappings) {
    const ports = byProto.get(m.protocol) ?? [];
    if (!ports.includes(m.hostPort)) ports.push(m.hostPort);
    byProto.set(m.protocol, ports);
  }
  const comment = saveString(dnatComment(owner.network, owner.containerId));
  const conditions = view.conditions.map(restoreArg).join(' ');
  const chain = portmapDnatChainName(owner.network, owner.containerId);
  const rules: string[] = [];
  for (const proto of [...byProto.keys()].sort()) {
    const ports = byProto.get(proto) ?? [];
    for (let i = 0; i < ports.length; i += MULTIPORT_MAX) {
      const list = ports.slice(i, i + MULTIPORT_MAX).join(',');
      const conds = conditions === '' ? '' : ` ${conditions}`;
      rules.push(`-p ${proto} -m comment --comment ${comment} -m multiport --dports ${list}${conds} -j ${chain}`);
    }
  }
  return rules;
}

/** The node-wide chains and rules one family needs (creation order). */
export function nodePieces(
  spec: Pick<PortmapSpec, 'snat' | 'markMasqBit' | 'externalSetMarkChain'>,
  family: Family,
): Pick<IptablesFamilyPlan, 'nodeChains' | 'nodeRules'> {
  const own = setMarkTarget(spec).kind === 'own';
  const guard = family === 4 && spec.snat;
  const nodeChains: Array<{ table: 'nat' | 'filter'; chain: string }> = [];
  const nodeRules: IptablesRule[] = [];
  if (guard) {
    nodeChains.push({ table: 'filter', chain: LOCALNET_CHAIN });
    nodeRules.push(
      { table: 'filter', chain: LOCALNET_CHAIN, spec: LOCALNET_GUARD_RULE, position: 'append' },
      { table: 'filter', chain: 'INPUT', spec: LOCALNET_JUMP, position: 'first' },
      { table: 'filter', chain: 'OUTPUT', spec: LOCALNET_JUMP, position: 'first' },
    );
  }
  if (own) {
    nodeChains.push({ table: 'nat', chain: SETMARK_CHAIN }, { table: 'nat', chain: MASQ_CHAIN });
    nodeRules.push(
      { table: 'nat', chain: SETMARK_CHAIN, spec: setMarkRule(spec.markMasqBit), position: 'append' },
      { table: 'nat', chain: MASQ_CHAIN, spec: masqMarkRule(spec.markMasqBit), position: 'append' },
      { table: 'nat', chain: 'POSTROUTING', spec: MASQ_JUMP, position: 'first' },
    );
  }
  nodeChains.push({ table: 'nat', chain: TOP_DNAT_CHAIN });
  nodeRules.push(
    { table: 'nat', chain: 'PREROUTING', spec: DNAT_JUMP, position: 'append' },
    { table: 'nat', chain: 'OUTPUT', spec: DNAT_JUMP, position: 'append' },
  );
  return { nodeChains, nodeRules };
}

/** Everything one family of the spec installs. */
export function iptablesFamilyPlan(spec: PortmapSpec, view: FamilyView): IptablesFamilyPlan {
  return {
    family: view.family,
    dnatChain: portmapDnatChainName(spec.network, spec.containerId),
    legacySnatChain: portmapLegacySnatChainName(spec.network, spec.containerId),
    chainRules: dnatChainRules(spec, view),
    entryRules: entryRules(spec, view),
    ...nodePieces(spec, view.family),
  };
}

/** The plan's rules as iptables-save prints them (`-A CHAIN spec`), node-wide rules first. */
export function saveLines(plan: IptablesFamilyPlan): string[] {
  return [
    ...plan.nodeRules.map((r) => `-A ${r.chain} ${r.spec}`),
    ...plan.chainRules.map((r) => `-A ${plan.dnatChain} ${r}`),
    ...plan.entryRules.map((r) => `-A ${TOP_DNAT_CHAIN} ${r}`),
  ];
}
