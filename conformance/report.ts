// Human-readable output: one line per check, a header naming what was tested, and the summary.
import type { DirFacts, Report, Summary } from './runner.ts';
import type { CheckResult } from './types.ts';
import { PLUGIN_NAMES } from './types.ts';

/** `PASS   <id>  <title>  [reason]` — one line per check. */
export function formatResult(r: CheckResult): string {
  const status = r.status.padEnd(5);
  let reason = r.reason ?? '';
  if (r.status === 'XFAIL' && r.expected) reason = `expected (${r.expected.issue}): ${reason}`;
  if (r.status === 'XPASS' && r.expected) reason = `expected to fail (${r.expected.issue}: ${r.expected.why}) but passed`;
  return `${status}  ${r.id}  ${r.title}${reason ? `  ${reason}` : ''}`;
}

/** The expected-failure line and the summary line (the last line is exactly `N passed, N failed, N skipped`). */
export function formatSummary(s: Summary): string[] {
  return [`${s.xfail} expected failures (XFAIL), ${s.xpass} unexpected passes (XPASS)`, `${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`];
}

/** Lines describing a plugin directory: each plugin's kind and advertised versions. */
export function formatDir(label: string, d: DirFacts): string[] {
  const lines = [`${label}: ${d.dir}`];
  for (const name of PLUGIN_NAMES) {
    const p = d.plugins[name];
    if (!p.present) lines.push(`  ${name}: missing`);
    else lines.push(`  ${name}: ${p.impl === 'go' ? 'Go reference build' : 'executable'}, versions ${p.versions?.join(' ') ?? `unknown (${p.versionError ?? 'VERSION failed'})`}`);
  }
  return lines;
}

/** The header printed before the results. */
export function formatHeader(report: Pick<Report, 'plugins' | 'reference'>): string[] {
  return [...formatDir('plugins', report.plugins), ...(report.reference ? formatDir('reference', report.reference) : ['reference: none (interop checks skipped)'])];
}

/** True when the run should exit 0: no failure, and no unexpected pass unless allowed. */
export function isSuccess(s: Summary, allowXpass: boolean): boolean {
  return s.failed === 0 && (allowXpass || s.xpass === 0);
}
