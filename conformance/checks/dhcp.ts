// dhcp (IPAM with a daemon): the checks that need no DHCP server. Every verb is a request to the
// lease daemon over a unix socket, so what the suite can judge on its own is the plugin's side of
// that socket: ADD with no daemon listening is "try again later" (11) naming the socket path, DEL
// with no daemon succeeds (no daemon holds no lease), and bad ipam keys are code 7 before the
// daemon is asked anything (proven by a listener that counts connections). With our daemon
// started on a pod that no server answers, ADD is 11 once the daemon gives up, and DEL succeeds.
// Leases from a real server are proven in plugins/dhcp/dhcp.int.test.ts (busybox udhcpd).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { ensure, expectError, expectSuccess } from '../expect.ts';
import { snapshotNode, expectNodeClean } from '../node-state.ts';
import { detectImpl } from '../probe.ts';
import type { Check, CheckContext, ExpectedFailure, Invocation } from '../types.ts';
import { SPEC_VERSIONS } from '../versions.ts';
import { newPod, type Pod } from './fixtures.ts';

/** A dhcp network config whose daemon socket is `socketPath`, with extra ipam keys. */
function dhcpConf(ctx: CheckContext, socketPath: string, ipam: Record<string, unknown> = {}): Record<string, unknown> {
  return { cniVersion: ctx.version, name: 'conformance-net', type: 'dhcp', ipam: { type: 'dhcp', daemonSocketPath: socketPath, ...ipam } };
}

function call(ctx: CheckContext, command: string, pod: Pod, stdin: Record<string, unknown>): Promise<Invocation> {
  return ctx.call(ctx.bin('dhcp'), { command, stdin, containerId: pod.containerId, netns: pod.netns, ifname: pod.ifname });
}

/** A directory for the daemon socket, existing and empty, so "nothing left" can be judged there. */
function socketDir(ctx: CheckContext): string {
  const dir = join(ctx.tmp, 'dhcp-run');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A unix socket that accepts and counts connections, answering nothing (closed afterwards). */
async function countingListener(ctx: CheckContext, path: string): Promise<{ connections: () => number }> {
  let n = 0;
  const server: Server = createServer((conn) => {
    n++;
    conn.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, resolve);
  });
  ctx.defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { connections: () => n };
}

const GO_NO_DAEMON: ExpectedFailure = { impl: 'go', issue: 'none', why: '999 "error dialing DHCP daemon" instead of 11 (try again later)' };

const base = { plugins: ['dhcp'], requires: ['root'] } as const;

/** Bad ipam sections and the key the error must name. */
const BAD_IPAM: readonly { readonly ipam: Record<string, unknown>; readonly key: string }[] = [
  { ipam: { daemonSocketPath: 42 }, key: 'daemonSocketPath' },
  { ipam: { daemonSocketPath: 'relative/dhcp.sock' }, key: 'daemonSocketPath' },
  { ipam: { provide: 'host-name' }, key: 'provide' },
  { ipam: { provide: [{ value: 'pod-a' }] }, key: 'provide' },
  { ipam: { request: [{ option: 'no-such-option' }] }, key: 'request' },
  { ipam: { priority: -1 }, key: 'priority' },
];

/** The dhcp checks. */
export const DHCP_CHECKS: readonly Check[] = [
  {
    ...base,
    id: 'dhcp/add-no-daemon',
    title: 'ADD with no daemon at daemonSocketPath fails with code 11 naming the socket path, and leaves nothing',
    versions: SPEC_VERSIONS,
    expectedFailures: [GO_NO_DAEMON],
    async run(ctx) {
      const dir = socketDir(ctx);
      const socketPath = join(dir, 'dhcp.sock');
      const pod = newPod(ctx);
      const before = await snapshotNode(ctx.node());
      const podLinks = pod.ns.exec(['ip', '-o', 'link', 'show']);
      const e = expectError(await call(ctx, 'ADD', pod, dhcpConf(ctx, socketPath)), 11, 'dhcp ADD with no daemon');
      const text = `${e.msg} ${e.details ?? ''}`;
      ensure(text.includes(socketPath), `the error does not name the socket path ${socketPath}: ${text}`);
      await expectNodeClean(ctx.node(), before, { what: 'after the failed ADD', signal: ctx.signal });
      ensure(pod.ns.exec(['ip', '-o', 'link', 'show']) === podLinks, 'the failed ADD changed the pod\'s links');
      const left = readdirSync(dir);
      ensure(left.length === 0, `the failed ADD left ${left.join(', ')} in the socket directory`);
    },
  },
  {
    ...base,
    id: 'dhcp/del-no-daemon',
    title: 'DEL with no daemon succeeds (no daemon holds no lease), with and without prevResult, also repeated',
    versions: SPEC_VERSIONS,
    expectedFailures: [{ impl: 'go', issue: 'none', why: 'DEL fails (999 "error dialing DHCP daemon"), blocking the rest of a DEL chain' }],
    async run(ctx) {
      const socketPath = join(socketDir(ctx), 'dhcp.sock');
      const pod = newPod(ctx);
      const conf = dhcpConf(ctx, socketPath);
      expectSuccess(await call(ctx, 'DEL', pod, conf), 'dhcp DEL with no daemon');
      expectSuccess(await call(ctx, 'DEL', pod, conf), 'a second dhcp DEL with no daemon');
      if (!['0.1.0', '0.2.0'].includes(ctx.version)) {
        const prevResult = { cniVersion: ctx.version, ips: [{ ...(ctx.version.startsWith('0.3') ? { version: '4' } : {}), address: '10.99.1.2/24', gateway: '10.99.1.1' }] };
        expectSuccess(await call(ctx, 'DEL', pod, { ...conf, prevResult }), 'dhcp DEL with prevResult and no daemon');
      }
    },
  },
  {
    ...base,
    id: 'dhcp/bad-config',
    title: 'bad ipam keys (non-string or relative daemonSocketPath, bad provide/request, negative priority) fail with code 7 naming the key, before the daemon is asked',
    expectedFailures: [{ impl: 'go', issue: 'none', why: '999 for every bad key; a relative daemonSocketPath, a provide without option, an unknown request option and a negative priority are sent to the daemon' }],
    async run(ctx) {
      const socketPath = join(socketDir(ctx), 'dhcp.sock');
      // a listener on the configured path: a plugin that asks before checking is seen connecting
      const listener = await countingListener(ctx, socketPath);
      const problems: string[] = [];
      for (const bad of BAD_IPAM) {
        const pod = newPod(ctx);
        const what = `ADD with ipam ${JSON.stringify(bad.ipam)}`;
        const conf = dhcpConf(ctx, socketPath);
        const inv = await call(ctx, 'ADD', pod, { ...conf, ipam: { ...(conf.ipam as object), ...bad.ipam } });
        const json = inv.json as { code?: unknown; msg?: unknown; details?: unknown } | undefined;
        if (inv.code === 0) problems.push(`${what} succeeded`);
        else if (json?.code !== 7) problems.push(`${what}: code ${String(json?.code)} (${String(json?.msg)}), expected 7`);
        else if (!`${String(json.msg)} ${String(json.details ?? '')}`.includes(bad.key)) problems.push(`${what}: the error does not name ${bad.key}: ${String(json.msg)}`);
        pod.ns.remove();
      }
      ensure(listener.connections() === 0, `the daemon socket was connected to ${listener.connections()} time(s) for bad configs${problems.length ? `; ${problems.join('; ')}` : ''}`);
      ensure(problems.length === 0, problems.join('; '));
    },
  },
  {
    ...base,
    id: 'dhcp/daemon-no-server',
    title: 'with the daemon running and no DHCP server answering, ADD fails with code 11 once the daemon gives up; CHECK fails; DEL succeeds and the daemon keeps no lease',
    timeoutMs: 60_000,
    async run(ctx) {
      const bin = ctx.bin('dhcp');
      // the daemon is started with cni-ts's command line; Go's has no -statedir or -resendtimeout
      if (detectImpl(bin) === 'go') ctx.skip('started with cni-ts\'s daemon flags (-statedir, -resendtimeout), which Go\'s dhcp daemon does not have');
      const dir = socketDir(ctx);
      const socketPath = join(dir, 'dhcp.sock');
      const stateDir = join(ctx.tmp, 'dhcp-state');
      const node = ctx.node();
      // `ip netns exec` execs the daemon: the child's PID is the daemon's own
      const child = spawn('ip', ['netns', 'exec', node.name, bin, 'daemon', '-socketpath', socketPath, '-statedir', stateDir, '-timeout', '1s', '-resendtimeout', '3s'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      ctx.defer(async () => {
        if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
          process.kill(child.pid, 'SIGTERM');
          await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
          if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
        }
      });
      const until = performance.now() + 15_000;
      while (!existsSync(socketPath)) {
        ensure(child.exitCode === null && child.signalCode === null, `the daemon exited: ${out.trim().slice(0, 300)}`);
        ensure(performance.now() < until, `the daemon did not create ${socketPath} within 15 s: ${out.trim().slice(0, 300)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      ctx.note(`daemon pid ${child.pid}`);
      // a pod interface no server answers on: a veth pair, both ends in the pod and up
      const pod = newPod(ctx);
      pod.ns.exec(['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0p']);
      pod.ns.exec(['ip', 'link', 'set', 'eth0p', 'up']);
      const conf = dhcpConf(ctx, socketPath);
      const e = expectError(await call(ctx, 'ADD', pod, conf), 11, 'dhcp ADD with no DHCP server');
      ensure(!`${e.msg} ${e.details ?? ''}`.includes('not running'), `ADD blamed the daemon although it runs: ${e.msg}`);
      expectError(await call(ctx, 'CHECK', pod, conf), undefined, 'dhcp CHECK without a lease');
      expectSuccess(await call(ctx, 'DEL', pod, conf), 'dhcp DEL without a lease');
      const leaseFile = join(stateDir, 'leases.json');
      if (existsSync(leaseFile)) {
        const leases = (JSON.parse(readFileSync(leaseFile, 'utf8')) as { leases?: unknown[] }).leases ?? [];
        ensure(leases.length === 0, `the daemon keeps ${leases.length} lease(s) after the failed ADD and DEL: ${JSON.stringify(leases).slice(0, 200)}`);
      }
      ensure(child.exitCode === null && child.signalCode === null, `the daemon exited during the check: ${out.trim().slice(0, 300)}`);
    },
  },
];
