// The conformance suite against dist/bin with Node.js hidden from the plugins, so that a hidden
// dependency on Node (a `#!/usr/bin/env node` somewhere, a spawned `node`) cannot creep back into
// the executables, which must need no Node.js, no writable or executable /tmp, and must run from
// a read-only directory. Same expectations as conformance.int.test.ts has for dist/bin, interop
// with /usr/lib/cni included when Debian's Go plugins are installed.
//
// Everything happens in a private mount namespace (`unshare --mount --propagation private`), so
// the host's mount table never changes and every mount dies with the namespace's last process:
//   - /tmp is an empty tmpfs, read-only and noexec; the runner's own temporary directory is
//     bound at /tmp/work (TMPDIR; the suite's temporary dirs come from os.tmpdir());
//   - the plugin directory is bound read-only at /tmp/plugins and passed as --plugins;
//   - the runner's checkout is bound at /tmp/repo (it may itself live under /tmp), and the
//     runner's Node (process.execPath) at /tmp/runner/node, off PATH, before every
//     `node` and `nodejs` in the PATH directories and process.execPath itself get an empty,
//     non-executable file bound over them;
//   - /run/netns is a private tmpfs, so the suite's throwaway network namespaces are invisible to
//     the host and die with the mount namespace even if the run is killed.
// Probes inside the namespace, in the same run, prove that `node -e 0` fails and /tmp is not
// writable before the suite (`conformance/run.mjs --json`) starts.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DIST_BIN, GO_PLUGIN_DIR, isRoot } from '../lib/testing/index.ts';
import { formatResult, formatSummary } from './report.ts';
import type { Report } from './runner.ts';
import { PLUGIN_NAMES } from './types.ts';

const REPO = dirname(dirname(fileURLToPath(import.meta.url)));
/** Debian's Go plugins (1.1.1) predate tap and dummy: their checks skip there, with the reason. */
const haveGo = PLUGIN_NAMES.filter((p) => p !== 'tap' && p !== 'dummy').every((p) => existsSync(join(GO_PLUGIN_DIR, p)));
/** Checks that need a kernel feature this machine lacks skip with the kernel's answer. */
const KERNEL_LACKS = /the kernel (cannot make|has no)|this kernel has no|the kernel has \w+ support: this check is for a kernel without/;
const haveUnshare = spawnSync('unshare', ['--version'], { stdio: 'ignore' }).status === 0;
const skipReason = !isRoot()
  ? 'needs root (mount and network namespaces)'
  : !haveUnshare
    ? 'needs `unshare` from util-linux (apt-get install util-linux)'
    : undefined;
if (skipReason) console.warn(`skipping the conformance suite without Node.js: ${skipReason}`);

/** Where things are inside the mount namespace (all under the private tmpfs mounted on /tmp). */
const INSIDE = { work: '/tmp/work', plugins: '/tmp/plugins', node: '/tmp/runner/node', repo: '/tmp/repo' } as const;
/** The whole run, probes and suite, is killed after this long. */
const RUN_LIMIT_MS = 840_000;

/** Single-quotes a string for sh. */
function q(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** Every `node` and `nodejs` reachable through PATH, and process.execPath, by real path. */
function nodePaths(path: string): string[] {
  const found = new Set<string>();
  const add = (p: string): void => {
    try {
      found.add(realpathSync(p));
    } catch {
      // not there
    }
  };
  for (const dir of path.split(delimiter)) if (dir !== '') for (const name of ['node', 'nodejs']) add(join(dir, name));
  add(process.execPath);
  return [...found].sort();
}

/** A command run inside the namespace before the suite, and whether it must fail or succeed. */
interface Probe {
  readonly name: string;
  readonly must: 'fail' | 'succeed';
  readonly sh: string;
}

function probes(hidden: readonly string[]): Probe[] {
  return [
    { name: 'node -e 0', must: 'fail', sh: 'node -e 0' },
    { name: 'nodejs -e 0', must: 'fail', sh: 'nodejs -e 0' },
    { name: '/usr/bin/env node -e 0', must: 'fail', sh: '/usr/bin/env node -e 0' },
    ...hidden.map((p): Probe => ({ name: `${p} -e 0`, must: 'fail', sh: `${q(p)} -e 0` })),
    { name: 'write /tmp', must: 'fail', sh: ': > /tmp/cnits-without-node-probe' },
    { name: `write ${INSIDE.plugins}`, must: 'fail', sh: `: > ${INSIDE.plugins}/.cnits-without-node-probe` },
    // positive controls: the probes above fail for the intended reason, not because nothing works
    { name: `${INSIDE.node} -e 0 (the runner's Node)`, must: 'succeed', sh: `${INSIDE.node} -e 0` },
    { name: 'write $TMPDIR', must: 'succeed', sh: 'f="$TMPDIR/.cnits-without-node-probe" && : > "$f" && rm "$f"' },
  ];
}

/**
 * The script run by `unshare --mount --propagation private sh -c`: builds the private /tmp on a
 * staging mount point inside `priv`, moves it onto /tmp, hides Node, runs the probes (one line each
 * on stderr: `without-node probe <exit code> <name>: <output on one line>`), and execs the suite.
 */
function script(o: { priv: string; plugins: string; node: string; hidden: readonly string[]; reference: string }): string {
  const stage = join(o.priv, 'stage');
  return [
    'set -eu',
    `stage=${q(stage)}`,
    'mount -t tmpfs -o mode=0755,size=1m,nosuid,nodev,noexec cnits-without-node "$stage"',
    'mkdir "$stage/work" "$stage/plugins" "$stage/runner" "$stage/repo"',
    ': > "$stage/runner/node"',
    `mount --bind ${q(join(o.priv, 'work'))} "$stage/work"`,
    `mount --bind ${q(o.plugins)} "$stage/plugins"`,
    'mount -o remount,bind,ro "$stage/plugins"',
    `mount --bind ${q(o.node)} "$stage/runner/node"`,
    // the runner's own sources, bound too: a checkout under /tmp (as CI may clone) is covered next
    `mount --bind ${q(REPO)} "$stage/repo"`,
    'mount -o remount,bind,ro "$stage/runner/node"',
    'mount -o remount,ro "$stage"',
    ...o.hidden.map((p) => `mount --bind ${q(join(o.priv, 'empty'))} ${q(p)}`),
    '[ -d /run/netns ] || mkdir -p /run/netns',
    'mount -t tmpfs -o mode=0755,size=1m cnits-without-node-netns /run/netns',
    'mount --move "$stage" /tmp',
    'bad=0',
    'probe() { # must name command',
    '  if out=$(sh -c "$3" 2>&1 </dev/null); then rc=0; else rc=$?; fi',
    '  printf "without-node probe %s %s: %s\\n" "$rc" "$2" "$(printf "%s" "$out" | tr -s "\\n" " " | cut -c 1-300)" >&2',
    '  case $1/$rc in fail/0) bad=1 ;; succeed/0) ;; succeed/*) bad=1 ;; esac',
    '}',
    ...probes(o.hidden).map((p) => `probe ${p.must} ${q(p.name)} ${q(p.sh)}`),
    'if [ "$bad" != 0 ]; then echo "without-node: a probe went wrong; the suite was not run" >&2; exit 97; fi',
    `cd ${INSIDE.repo}`,
    `exec ${INSIDE.node} ${q(join(INSIDE.repo, 'conformance', 'run.mjs'))} --plugins ${INSIDE.plugins} --reference ${q(o.reference)} --require-plugins --json`,
  ].join('\n');
}

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

const live = new Set<number>();
const privs = new Set<string>();

/** Kills a run's whole process group (the runner and everything it started). */
function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Runs the probes and the suite against `pluginsDir` with Node hidden; removes its files afterwards. */
async function runWithoutNode(pluginsDir: string): Promise<{ outcome: Outcome; hidden: string[] }> {
  const path = process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin';
  const hidden = nodePaths(path);
  const priv = mkdtempSync(join(tmpdir(), 'cnits-without-node-'));
  privs.add(priv);
  try {
    mkdirSync(join(priv, 'stage'));
    mkdirSync(join(priv, 'work'));
    writeFileSync(join(priv, 'empty'), '');
    chmodSync(join(priv, 'empty'), 0o444); // not executable: exec fails with EACCES, no shell fallback
    const sh = script({ priv, plugins: pluginsDir, node: realpathSync(process.execPath), hidden, reference: haveGo ? GO_PLUGIN_DIR : 'none' });
    const started = performance.now();
    const outcome = await new Promise<Outcome>((resolve) => {
      const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', sh], {
        cwd: REPO,
        env: { PATH: path, TMPDIR: INSIDE.work, HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8' },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true, // its own process group, killed as a whole on time-out
      });
      const pid = child.pid;
      if (pid !== undefined) live.add(pid);
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const timer = setTimeout(() => {
        stderr += `\nwithout-node: killed after ${RUN_LIMIT_MS / 1000} s\n`;
        if (pid !== undefined) killGroup(pid);
      }, RUN_LIMIT_MS);
      child.on('error', (err) => {
        clearTimeout(timer);
        resolve({ code: 127, signal: null, stdout, stderr: `${stderr}${err.message}`, ms: performance.now() - started });
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (pid !== undefined) {
          killGroup(pid); // anything the runner left running in the namespace
          live.delete(pid);
        }
        resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
      });
    });
    return { outcome, hidden };
  } finally {
    rmSync(priv, { recursive: true, force: true });
    privs.delete(priv);
  }
}

afterAll(() => {
  for (const pid of live) killGroup(pid);
  for (const dir of privs) rmSync(dir, { recursive: true, force: true });
});

/** The probe lines the script printed: name → exit code. */
function probeResults(stderr: string): Map<string, { code: number; line: string }> {
  const out = new Map<string, { code: number; line: string }>();
  for (const line of stderr.split('\n')) {
    const m = /^without-node probe (\d+) (.*?): /.exec(`${line} `);
    if (m) out.set(m[2] as string, { code: Number(m[1]), line });
  }
  return out;
}

function tail(s: string, lines = 40): string {
  return s.trimEnd().split('\n').slice(-lines).join('\n');
}

describe('conformance suite without Node.js', () => {
  it(
    `against our plugins (${DIST_BIN}, read-only, Node hidden, /tmp read-only): every check passes`,
    async (ctx) => {
      if (skipReason) ctx.skip(skipReason);
      expect(existsSync(join(DIST_BIN, 'cni-ts')), `${DIST_BIN}/cni-ts is missing: run npm run build`).toBe(true);
      const { outcome, hidden } = await runWithoutNode(DIST_BIN);
      const probed = probeResults(outcome.stderr);
      console.log(`hidden: ${hidden.join(', ')}\n${[...probed.values()].map((p) => p.line).join('\n')}`);

      // the probes ran, and Node really was hidden while /tmp was read-only
      const wrong = probes(hidden).flatMap((p) => {
        const r = probed.get(p.name);
        if (r === undefined) return [`probe "${p.name}" did not run`];
        return (p.must === 'fail') === (r.code === 0) ? [`probe "${p.name}" must ${p.must}: ${r.line}`] : [];
      });
      expect(wrong, `probes:\n${tail(outcome.stderr)}`).toEqual([]);

      let report: Report;
      try {
        report = JSON.parse(outcome.stdout) as Report;
      } catch {
        throw new Error(
          `the suite printed no JSON report (exit ${outcome.code ?? outcome.signal}); stdout:\n${outcome.stdout.slice(0, 2000)}\nstderr:\n${tail(outcome.stderr)}`,
        );
      }
      console.log([...formatSummary(report.summary), `${Math.round(outcome.ms / 1000)} s (probes and suite)`].join('\n'));
      const failing = report.results
        .filter((r) => r.status !== 'PASS' && r.status !== 'SKIP')
        .map((r) => `${formatResult(r)}${r.details?.error && r.details.error !== r.reason ? `\n    ${r.details.error.split('\n').join('\n    ')}` : ''}`);
      expect(failing.length, `${failing.length} checks did not pass with Node hidden:\n${failing.join('\n')}\n`).toBe(0);
      // ours advertise every version, so nothing may be skipped for a version or a missing tool;
      // only for want of --reference or of a kernel feature (ipvlan, 8021q, vrf, dummy)
      const skipped = report.results.filter((r) => r.status === 'SKIP' && !(r.reason ?? '').includes('--reference') && !KERNEL_LACKS.test(r.reason ?? ''));
      expect(skipped.map(formatResult)).toEqual([]);
      expect(report.summary.passed).toBeGreaterThan(0);
      expect(outcome.code, `exit ${outcome.code ?? outcome.signal}\n${tail(outcome.stderr)}`).toBe(0);
    },
    900_000,
  );
});
