// The suite judged against two implementations: Debian's Go plugins (every check passes, or fails
// exactly as the expected-failure list says: this is what validates the suite itself), and our
// dist/bin (every check passes). CONFORMANCE_OURS narrows our run to some plugins
// (comma-separated; default every plugin in PLUGIN_NAMES) while the others are still being written.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIST_BIN, GO_PLUGIN_DIR, isRoot } from '../lib/testing/index.ts';
import { ALL_CHECKS } from './checks/index.ts';
import { formatResult, formatSummary } from './report.ts';
import { runSuite, type Report } from './runner.ts';
import { PLUGIN_NAMES, type PluginName } from './types.ts';

/** Debian's Go plugins (1.1.1) predate tap and dummy: their checks skip there, with the reason. */
const NOT_IN_DEBIAN_GO: readonly PluginName[] = ['tap', 'dummy'];
const haveGo = PLUGIN_NAMES.filter((p) => !NOT_IN_DEBIAN_GO.includes(p)).every((p) => existsSync(join(GO_PLUGIN_DIR, p)));
/** Checks that need a kernel feature this machine lacks (ipvlan, 8021q, vrf, dummy) skip with the kernel's answer. */
const KERNEL_LACKS = /the kernel (cannot make|has no)|this kernel has no|the kernel has \w+ support: this check is for a kernel without/;
const ours = (process.env.CONFORMANCE_OURS ?? PLUGIN_NAMES.join(','))
  .split(',')
  .map((s) => s.trim())
  .filter((s): s is PluginName => (PLUGIN_NAMES as readonly string[]).includes(s));

function show(report: Report): string {
  return [...report.results.filter((r) => r.status !== 'PASS').map(formatResult), ...formatSummary(report.summary)].join('\n');
}

describe.skipIf(!isRoot())('conformance suite', () => {
  it.skipIf(!haveGo)(
    'against the Go reference plugins: every check passes or fails exactly as expected',
    async () => {
      const report = await runSuite(ALL_CHECKS, { plugins: GO_PLUGIN_DIR, reference: undefined, jobs: 3 });
      console.log(show(report));
      expect(report.results.filter((r) => r.status === 'FAIL' || r.status === 'XPASS').map(formatResult)).toEqual([]);
      // the known deviations are detected: each one proves its check can fail
      expect(report.summary.xfail).toBeGreaterThanOrEqual(10);
      expect(report.summary.passed).toBeGreaterThan(100);
    },
    600_000,
  );

  it.skipIf(ours.length === 0)(
    `against our plugins (${ours.join(', ')}): every check passes`,
    async () => {
      const report = await runSuite(ALL_CHECKS, {
        plugins: DIST_BIN,
        reference: haveGo ? GO_PLUGIN_DIR : undefined,
        onlyPlugins: ours,
        requirePlugins: true,
        jobs: 3,
      });
      console.log(show(report));
      expect(report.results.filter((r) => r.status !== 'PASS' && r.status !== 'SKIP').map(formatResult)).toEqual([]);
      // ours advertise every version, so nothing may be skipped for a version or a missing tool;
      // only for want of --reference or of a kernel feature
      const skipped = report.results.filter((r) => r.status === 'SKIP' && !(r.reason ?? '').includes('--reference') && !KERNEL_LACKS.test(r.reason ?? ''));
      expect(skipped.map(formatResult)).toEqual([]);
      expect(report.summary.passed).toBeGreaterThan(0);
    },
    900_000,
  );
});
