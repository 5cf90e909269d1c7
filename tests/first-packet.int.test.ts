import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST_BIN, type TestNamespace, createNamespace, isRoot, removeAllNamespaces, runOurPlugin } from '../lib/testing/index.ts';

// Issue 20: the first IPv6 connection to a freshly added pod lost its first packet and took
// about 1 s (the node could not send the neighbour solicitation for a packet it forwards while
// the fe80:: address of the new bridge or ptp host veth was still tentative; TCP's SYN came again
// after 1 s). Each case connects right after ADD returns, times the connection until the first
// byte of the answer, then a second connection for comparison. A first connection must take
// less than 500 ms: the stall is at least one 1 s retransmission (neighbour solicitation or TCP
// SYN), while a healthy first connection takes a few ms (timed inside the client, its process
// start not counted; tens of ms on a loaded machine, as the server forks for each connection), so
// 500 ms leaves a wide margin and still catches any retransmission.

const LIMIT_MS = 500;
const PORT = 8080;

/** A pod made by ADD, its server listening: it answers every connection with one line and closes. */
interface Pod {
  readonly pod: TestNamespace;
  readonly containerId: string;
  readonly v4: string;
  readonly v6: string;
}

describe.skipIf(!isRoot())('first connection to a new pod (issue 20)', () => {
  let node: TestNamespace;
  let outside: TestNamespace;
  let dataDir: string;
  let greeting: string;
  const servers: ChildProcess[] = [];
  let next = 0;

  beforeAll(() => {
    node = createNamespace('fp-node');
    outside = createNamespace('fp-out');
    dataDir = mkdtempSync(join(tmpdir(), 'cnits-fp-data-'));
    greeting = join(dataDir, 'greeting');
    writeFileSync(greeting, 'hi\n');
    // "outside": a client routed through the node (another host, an uplink), on a link set up
    // without DAD so that only the plugins' links can delay anything. The two ends get different
    // ifindexes: as the first link of fresh namespaces both would be 2, and the kernel then takes
    // the veth's carrier change for a non-urgent link event, applied up to 1 s late (linkwatch),
    // so that IPv6 drops what arrives before (seen as a 1 s first connection in this harness)
    outside.exec(['ip', 'link', 'add', 'up0', 'index', '20', 'type', 'veth', 'peer', 'name', 'ext0', 'index', '21', 'netns', node.name]);
    for (const [ns, dev, v6, v4] of [[outside, 'up0', 'fd5f::2/64', '10.95.0.2/24'], [node, 'ext0', 'fd5f::1/64', '10.95.0.1/24']] as const) {
      ns.exec(['sysctl', '-qw', `net.ipv6.conf.${dev}.accept_dad=0`]);
      ns.exec(['ip', 'addr', 'add', v6, 'dev', dev, 'nodad']);
      ns.exec(['ip', 'addr', 'add', v4, 'dev', dev]);
      ns.exec(['ip', 'link', 'set', dev, 'up']);
    }
    outside.exec(['ip', 'route', 'add', 'default', 'via', '10.95.0.1']);
    outside.exec(['ip', '-6', 'route', 'add', 'default', 'via', 'fd5f::1']);
  });
  afterAll(() => {
    for (const s of servers) if (s.exitCode === null) s.kill();
    removeAllNamespaces();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  function network(type: 'bridge' | 'ptp', name: string, v4: string, v6: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const ipam = { type: 'host-local', dataDir, ranges: [[{ subnet: v4 }], [{ subnet: v6 }]], routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0' }] };
    return { cniVersion: '1.0.0', name, type, ipam, ...extra };
  }

  /** ADDs a new pod (with its server already listening) and returns its addresses by family. */
  async function addPod(config: Record<string, unknown>): Promise<Pod> {
    const pod = createNamespace('fp-pod');
    // listening before ADD, as a container's process may be, so the first connection comes at once after it
    const child = spawn('ip', ['netns', 'exec', pod.name, 'socat', `TCP6-LISTEN:${PORT},ipv6only=0,reuseaddr,fork`, `OPEN:${greeting},rdonly`], { stdio: 'ignore' });
    servers.push(child);
    for (let i = 0; i < 100 && !pod.tryExec(['ss', '-Hltn', `sport = :${PORT}`]).stdout.includes(`:${PORT}`); i++) await new Promise((r) => setTimeout(r, 20));
    const type = String(config.type);
    const containerId = `fp-${next++}`;
    const r = await runOurPlugin(type, { command: 'ADD', config, containerId, netns: pod.path, ifname: 'eth0', path: DIST_BIN, node });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const ips = (r.json.ips as { address: string }[]).map((i) => i.address.split('/')[0] as string);
    return { pod, containerId, v4: ips.find((a) => !a.includes(':')) as string, v6: ips.find((a) => a.includes(':')) as string };
  }

  /**
   * Milliseconds from the connect until the server's line arrived, timed inside the client (bash's
   * /dev/tcp and $EPOCHREALTIME), so that the client's process start, slow on a loaded machine,
   * is not counted.
   */
  function timeToFirstByte(from: TestNamespace, addr: string): number {
    const script = `t0=$EPOCHREALTIME; exec 3<>/dev/tcp/${addr}/${PORT} || exit 3; IFS= read -r -t 5 line <&3 || exit 4; t1=$EPOCHREALTIME; echo "$line $t0 $t1"`;
    const r = spawnSync('ip', ['netns', 'exec', from.name, 'bash', '-c', script], { encoding: 'utf8', timeout: 10_000 });
    const [line, t0, t1] = r.stdout.trim().split(' ');
    expect(line, `${from.name} -> ${addr} (exit ${r.status}): ${r.stderr}`).toBe('hi');
    return (Number(t1) - Number(t0)) * 1000;
  }

  /** First and second connection; the first must be under the limit. */
  function firstAndSecond(label: string, from: TestNamespace, addr: string): void {
    const first = timeToFirstByte(from, addr);
    const second = timeToFirstByte(from, addr);
    console.log(`${label}: first ${first.toFixed(1)} ms, second ${second.toFixed(1)} ms`);
    expect(first, `${label}: the first connection took ${first.toFixed(0)} ms (second ${second.toFixed(0)} ms)`).toBeLessThan(LIMIT_MS);
  }

  /** Waits (at most 3 s) until no address of `dev` in the node is tentative: an existing bridge is settled. */
  async function settled(dev: string): Promise<void> {
    for (let i = 0; i < 60 && node.exec(['ip', '-6', 'addr', 'show', 'dev', dev, 'tentative']).trim(); i++) await new Promise((r) => setTimeout(r, 50));
  }

  it('bridge, new bridge: from outside (routed by the node), from the node, from another pod; IPv6 and IPv4', async () => {
    const config = network('bridge', 'fp-br-new', '10.96.0.0/24', 'fd96::/64', { bridge: 'fpbr0', isGateway: true });
    const a = await addPod(config);
    firstAndSecond('bridge new, outside -> pod v6', outside, a.v6);
    const b = await addPod(config);
    firstAndSecond('bridge new, node -> pod v6', node, b.v6);
    const c = await addPod(config);
    firstAndSecond('bridge new, pod -> pod v6', a.pod, c.v6);
    const d = await addPod(config);
    firstAndSecond('bridge new, outside -> pod v4', outside, d.v4);
  });

  it('bridge, existing bridge (settled, and emptied by its last pod leaving): the same', async () => {
    const config = network('bridge', 'fp-br-old', '10.97.0.0/24', 'fd97::/64', { bridge: 'fpbr1', isGateway: true });
    const first = await addPod(config);
    await settled('fpbr1');
    const a = await addPod(config);
    firstAndSecond('bridge existing, outside -> pod v6', outside, a.v6);
    const b = await addPod(config);
    firstAndSecond('bridge existing, pod -> pod v6', first.pod, b.v6);
    // every pod leaves: the bridge loses its carrier; the next pod brings it back
    for (const p of [first, a, b]) {
      const r = await runOurPlugin('bridge', { command: 'DEL', config, containerId: p.containerId, netns: p.pod.path, ifname: 'eth0', path: DIST_BIN, node });
      expect(r.code, r.stdout).toBe(0);
    }
    const c = await addPod(config);
    firstAndSecond('bridge emptied, outside -> pod v6', outside, c.v6);
    const d = await addPod(config);
    firstAndSecond('bridge emptied, outside -> pod v4', outside, d.v4);
  });

  it('ptp: from another pod (always routed by the node), from outside, from the node; IPv6 and IPv4', async () => {
    const config = network('ptp', 'fp-ptp', '10.98.0.0/24', 'fd98::/64');
    const a = await addPod(config);
    const b = await addPod(config);
    firstAndSecond('ptp, pod -> new pod v6', a.pod, b.v6);
    const c = await addPod(config);
    firstAndSecond('ptp, outside -> pod v6', outside, c.v6);
    const d = await addPod(config);
    firstAndSecond('ptp, node -> pod v6', node, d.v6);
    const e = await addPod(config);
    firstAndSecond('ptp, pod -> new pod v4', a.pod, e.v4);
  });
});
