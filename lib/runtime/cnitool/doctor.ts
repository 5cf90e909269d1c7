import type { NodeReaders } from './collect-facts.ts';
import { type VerbContext, expectArgs } from './context.ts';
import { type NodeWriters, gcNetworks, removeFindings } from './fix.ts';
import { type Finding, type JudgeScope, describeFinding, findingKey, judge } from './judge.ts';
import type { NodeFacts } from './node-facts.ts';
import { nodeReaders, nodeWriters } from './node-readers.ts';
import { NODE_JSON_VERSION, guardNodeVerb, loadNetworks, nodeFacts } from './node-view.ts';
import { prettyJson } from './output.ts';

/** A finding in the --json document: its fields plus the human line. */
type ShownFinding = Finding & { readonly description: string };

const shown = (fs: readonly Finding[]): ShownFinding[] => fs.map((f) => ({ ...f, description: describeFinding(f) }));

/** The --json document of doctor: version 1. */
export interface DoctorReport {
  readonly version: number;
  readonly findings: readonly ShownFinding[];
  /** Present with --fix: what was found and is gone now, what is still there, what failed. */
  readonly fix?: { readonly removed: readonly ShownFinding[]; readonly remaining: readonly ShownFinding[]; readonly errors: readonly string[] };
  readonly problems: readonly string[];
}

/** The findings of `before` that `after` no longer has. */
export function removedFindings(before: readonly Finding[], after: readonly Finding[]): Finding[] {
  const still = new Set(after.map(findingKey));
  return before.filter((f) => !still.has(findingKey(f)));
}

function render(report: DoctorReport): string {
  let out = '';
  if (!report.fix) {
    out += report.findings.length === 0 ? 'no leftovers found\n' : report.findings.map((f) => `${f.description}\n`).join('');
  } else {
    if (report.findings.length === 0) out += 'no leftovers found\n';
    for (const f of report.fix.removed) out += `removed: ${f.description}\n`;
    for (const f of report.fix.remaining) out += `still there: ${f.description}\n`;
    for (const e of report.fix.errors) out += `failed: ${e}\n`;
  }
  for (const p of report.problems) out += `problem: ${p}\n`;
  return out;
}

/**
 * `doctor [--fix [--for-downgrade]] [<network>]`: what no cached attachment explains. Exit 1
 * when it finds something (with --fix: when something is still there afterwards), 0 when clean.
 */
export async function runDoctor(ctx: VerbContext, readers: NodeReaders = nodeReaders(), writers: NodeWriters = nodeWriters()): Promise<number> {
  return guardNodeVerb(ctx, async () => {
    const [network] = expectArgs(ctx, [], ['network']);
    const { found, lists } = await loadNetworks(ctx, network);
    const scope: JudgeScope = { network, forDowngrade: ctx.args.forDowngrade };
    const facts = await nodeFacts(ctx, found, readers);
    const findings = judge(facts, scope);
    let report: DoctorReport = { version: NODE_JSON_VERSION, findings: shown(findings), problems: facts.problems };
    if (ctx.args.fix) {
      const { after, errors } = await fixNode(ctx, found, lists, facts, findings, scope, readers, writers);
      report = {
        ...report,
        fix: { removed: shown(removedFindings(findings, after.findings)), remaining: shown(after.findings), errors },
        problems: after.facts.problems,
      };
      ctx.io.stdout(ctx.args.json ? prettyJson(report) : render(report));
      return after.findings.length > 0 || errors.length > 0 ? 1 : 0;
    }
    ctx.io.stdout(ctx.args.json ? prettyJson(report) : render(report));
    return findings.length > 0 ? 1 : 0;
  });
}

/** GC first, then direct removal of what a fresh look still finds, then a last look. */
async function fixNode(
  ctx: VerbContext,
  found: Parameters<typeof nodeFacts>[1],
  lists: Parameters<typeof gcNetworks>[1],
  facts: NodeFacts,
  findings: readonly Finding[],
  scope: JudgeScope,
  readers: NodeReaders,
  writers: NodeWriters,
): Promise<{ after: { facts: NodeFacts; findings: Finding[] }; errors: string[] }> {
  if (findings.length === 0) return { after: { facts, findings: [] }, errors: [] };
  const inScope = facts.networks.filter((n) => scope.network === undefined || n.name === scope.network);
  // GC errors are only worth reporting when something they should have removed is still there
  const gcErrors = await gcNetworks(ctx.runtime, lists, inScope);
  const middle = await nodeFacts(ctx, found, readers);
  const left = judge(middle, scope);
  const directErrors = await removeFindings(left, middle, ctx.runtime, writers);
  if (left.some((f) => f.kind === 'stale-attachment')) {
    // a cache entry removed without its DEL no longer explains its veth, chains, reservations:
    // one more look finds them as leftovers of their own
    const again = await nodeFacts(ctx, found, readers);
    directErrors.push(...(await removeFindings(judge(again, scope), again, ctx.runtime, writers)));
  }
  const lastFacts = await nodeFacts(ctx, found, readers);
  const last = judge(lastFacts, scope);
  return { after: { facts: lastFacts, findings: last }, errors: last.length > 0 ? [...gcErrors, ...directErrors] : directErrors };
}
