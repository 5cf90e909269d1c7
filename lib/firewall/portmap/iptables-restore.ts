import type { IptablesFamilyPlan } from './iptables-rules.ts';
import { LEGACY_TOP_SNAT_CHAIN, TOP_DNAT_CHAIN } from './iptables-rules.ts';

// The iptables-restore transactions of the portmap backend, built from a plan
// (iptables-rules.ts). Each invocation normally runs exactly one of them per family.

function containerLines(plan: IptablesFamilyPlan): string[] {
  return [
    ...plan.chainRules.map((r) => `-A ${plan.dnatChain} ${r}`),
    // prepended, newest first (as Go does now): the most recent container using a host port wins
    ...plan.entryRules.map((r, i) => `-I ${TOP_DNAT_CHAIN} ${i + 1} ${r}`),
  ];
}

function guardChecks(plan: IptablesFamilyPlan): string[] {
  const filter = plan.nodeRules.filter((r) => r.table === 'filter');
  if (filter.length === 0) return [];
  return ['*filter', ...filter.map((r) => `-C ${r.chain} ${r.spec}`), 'COMMIT'];
}

/**
 * The fast ADD: one transaction that assumes the node-wide chains exist. `-N` fails when the
 * container's chain already exists, a jump to a missing SETMARK or CNI-HOSTPORT-DNAT chain
 * fails, and `-C` (filter table only: cheap) fails when the localnet guard is missing; any
 * failure sends the caller to the repair path, so nothing is ever read on the common path.
 */
export function setupRestore(plan: IptablesFamilyPlan): string {
  return [...guardChecks(plan), '*nat', `-N ${plan.dnatChain}`, ...containerLines(plan), 'COMMIT', ''].join('\n');
}

/** What the repair path read from the host: chains present and their rules (canonical specs). */
export interface IptablesTableState {
  readonly chains: ReadonlySet<string>;
  /** chain -> rule specs (text after `-A CHAIN `) in order. */
  readonly rules: ReadonlyMap<string, readonly string[]>;
}

/** Parses one table of iptables-save output. */
export function parseSaveTable(text: string): IptablesTableState {
  const chains = new Set<string>();
  const rules = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    const chainDecl = /^:(\S+) /.exec(line);
    if (chainDecl) chains.add(chainDecl[1] as string);
    const rule = /^-A (\S+) (.*)$/.exec(line);
    if (rule) {
      const list = rules.get(rule[1] as string) ?? [];
      list.push(rule[2] as string);
      rules.set(rule[1] as string, list);
    }
  }
  return { chains, rules };
}

function targetOf(spec: string): string | undefined {
  const m = / -[jg] (\S+)(?: |$)/.exec(` ${spec}`);
  return m?.[1];
}

/** Specs in `rules` that jump to `chain` (how Go finds a container's entry rules). */
export function rulesJumpingTo(rules: readonly string[] | undefined, chain: string): string[] {
  return (rules ?? []).filter((r) => targetOf(r) === chain);
}

/**
 * The slow ADD, built from what the host holds: creates whatever node-wide piece is missing
 * (never duplicating one that exists), replaces this container's chain and entry rules, and
 * installs the container's rules, all in one transaction.
 */
export function repairRestore(plan: IptablesFamilyPlan, nat: IptablesTableState, filter: IptablesTableState | undefined): string {
  const lines: string[] = [];
  for (const table of ['filter', 'nat'] as const) {
    const state = table === 'nat' ? nat : filter;
    const chains = plan.nodeChains.filter((c) => c.table === table);
    const rules = plan.nodeRules.filter((r) => r.table === table);
    if (state === undefined || (table === 'filter' && chains.length === 0 && rules.length === 0)) continue;
    lines.push(`*${table}`);
    for (const c of chains) if (!state.chains.has(c.chain)) lines.push(`-N ${c.chain}`);
    for (const r of rules) {
      if ((state.rules.get(r.chain) ?? []).includes(r.spec)) continue;
      lines.push(r.position === 'first' ? `-I ${r.chain} 1 ${r.spec}` : `-A ${r.chain} ${r.spec}`);
    }
    if (table === 'nat') {
      for (const old of rulesJumpingTo(nat.rules.get(TOP_DNAT_CHAIN), plan.dnatChain)) lines.push(`-D ${TOP_DNAT_CHAIN} ${old}`);
      lines.push(`:${plan.dnatChain} - [0:0]`, ...containerLines(plan));
    }
    lines.push('COMMIT');
  }
  return [...lines, ''].join('\n');
}

/**
 * The exact DEL: deletes the entry rules the spec produces, then the container's chain and
 * the legacy SNAT chain. `:chain` creates-or-flushes, so a chain that is already gone costs
 * nothing; only a `-D` of an absent rule (or leftover references) fails the transaction.
 */
export function teardownRestore(plan: Pick<IptablesFamilyPlan, 'dnatChain' | 'legacySnatChain' | 'entryRules'>): string {
  return ownerTeardownRestore(plan, plan.entryRules, []);
}

/** DEL by owner: `entrySpecs` / `legacySpecs` are listed rules jumping to the container's chains. */
export function ownerTeardownRestore(
  chains: Pick<IptablesFamilyPlan, 'dnatChain' | 'legacySnatChain'>,
  entrySpecs: readonly string[],
  legacySpecs: readonly string[],
): string {
  return [
    '*nat',
    ...entrySpecs.map((s) => `-D ${TOP_DNAT_CHAIN} ${s}`),
    ...legacySpecs.map((s) => `-D ${LEGACY_TOP_SNAT_CHAIN} ${s}`),
    `:${chains.dnatChain} - [0:0]`,
    `-X ${chains.dnatChain}`,
    `:${chains.legacySnatChain} - [0:0]`,
    `-X ${chains.legacySnatChain}`,
    'COMMIT',
    '',
  ].join('\n');
}

/** A CHECK transaction of `-C` lines only, with what each line stands for (by line number). */
export interface CheckRestore {
  readonly text: string;
  readonly labels: ReadonlyMap<number, string>;
}

/**
 * Every rule the plan installed (node-wide and per container), as `-C` lines. nat comes
 * before filter: iptables-restore stops at the first missing rule, and filter holds only the
 * localnet guard, which ours alone installs (Go's portmap has none). A failure on a filter
 * line therefore proves every nat rule present, so CHECK can tell "only the guard is
 * missing" (a pod the Go plugin added, before any ADD of ours) from a broken mapping.
 */
export function checkRestore(plan: IptablesFamilyPlan): CheckRestore {
  const lines: string[] = [];
  const labels = new Map<number, string>();
  const add = (table: string, chain: string, spec: string): void => {
    lines.push(`-C ${chain} ${spec}`);
    labels.set(lines.length, `${table} ${chain}: ${spec}`);
  };
  for (const table of ['nat', 'filter'] as const) {
    const rules = plan.nodeRules.filter((r) => r.table === table);
    if (table === 'filter' && rules.length === 0) continue;
    lines.push(`*${table}`);
    for (const r of rules) add(table, r.chain, r.spec);
    if (table === 'nat') {
      for (const r of plan.chainRules) add('nat', plan.dnatChain, r);
      for (const r of plan.entryRules) add('nat', TOP_DNAT_CHAIN, r);
    }
    lines.push('COMMIT');
  }
  return { text: [...lines, ''].join('\n'), labels };
}

/** GC: removes stale entry rules and the chains they pointed to (plus their legacy SNAT chains). */
export function gcRestore(staleEntrySpecs: readonly string[], staleChains: readonly string[]): string {
  const lines = ['*nat', ...staleEntrySpecs.map((s) => `-D ${TOP_DNAT_CHAIN} ${s}`)];
  for (const c of staleChains) lines.push(`:${c} - [0:0]`, `-X ${c}`);
  return [...lines, 'COMMIT', ''].join('\n');
}
