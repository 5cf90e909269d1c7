import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyResult } from '../../lib/cni/index.ts';
import type { NetworkConfigList } from '../../lib/runtime/index.ts';
import { type TestNamespace, type TestNode, createNamespace, createTestNode, isRoot } from '../../lib/testing/index.ts';

// SCTP port mappings end to end through the built plugins: a conflist [bridge (our host-local),
// portmap] on a throwaway node namespace, a "client" namespace standing for another host, pods
// answering SCTP. Every address below is assigned by this file inside namespaces it created.
//
// Two kinds of SCTP peer:
// - sctp-raw.py speaks INIT / INIT-ACK over raw IP sockets. It needs no sctp module: the node's
//   routing, conntrack and NAT handle SCTP packets whether or not the kernel has an SCTP stack,
//   and that is exactly what the portmap rules act on. This kernel has no SCTP sockets, so this
//   is what runs here.
// - socat SCTP-LISTEN / SCTP-CONNECT, a real association, where the kernel has SCTP sockets.

const NODE_IP = '192.0.2.1';
const NODE_IP_2 = '192.0.2.2';
const NODE_IP6 = 'fd00:db8:1::1';
const CLIENT_IP = '198.51.100.2';
const CLIENT_IP6 = 'fd00:db8:2::2';
const SCTP_PORT = 3868;
const RAW_PEER = join(import.meta.dirname, 'sctp-raw.py');

/** Can a process in a fresh namespace open an SCTP socket? The kernel's answer, for the skip reason. */
function probeSctpSockets(): { readonly supported: boolean; readonly reason: string } {
  if (!isRoot()) return { supported: false, reason: 'not root' };
  const ns = createNamespace('sctpprobe');
  try {
    const r = ns.tryExec(['python3', '-c', 'import socket; socket.socket(socket.AF_INET, socket.SOCK_STREAM, 132)']);
    const lastLine = r.stderr.trim().split('\n').pop() ?? '';
    return { supported: r.code === 0, reason: r.code === 0 ? '' : `this kernel has no SCTP sockets (${lastLine || `exit ${r.code}`})` };
  } finally {
    ns.remove();
  }
}
const SCTP_SOCKETS = probeSctpSockets();

function run(ns: TestNamespace, argv: readonly (string | number)[], timeout = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', ns.name, ...argv.map(String)], { timeout }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve(stdout.trim()),
    );
  });
}

/**
 * Sends SCTP INITs from `sport` to host:port until an INIT-ACK; "<tag> saw <source>" or "timeout".
 * `establish` completes the handshake (COOKIE-ECHO / COOKIE-ACK): the flow's conntrack entry is
 * then ESTABLISHED, as for a live association.
 */
const sctpInit = (from: TestNamespace, host: string, port: number, sport: number, establish = false): Promise<string> =>
  run(from, ['python3', RAW_PEER, 'client', host, port, sport, ...(establish ? ['establish'] : [])]);

/** A real SCTP association with socat: what the pod's server answers, or an error line. */
async function sctpConnect(from: TestNamespace, host: string, port: number): Promise<string> {
  const addr = host.includes(':') ? `SCTP6-CONNECT:[${host}]:${port}` : `SCTP4-CONNECT:${host}:${port}`;
  try {
    return await run(from, ['timeout', '5', 'socat', '-T', '3', 'STDIO', addr]);
  } catch (e) {
    return `error ${(e as Error).message.split('\n')[0]}`;
  }
}

/** Starts a server in the pod; resolves once it listens. Stopped by PID in stopServer. */
function startServer(pod: TestNamespace, argv: readonly (string | number)[], readyWhen: () => Promise<boolean>): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', pod.name, ...argv.map(String)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 5000;
    const poll = async (): Promise<void> => {
      if (child.exitCode !== null) return reject(new Error(`server exited ${String(child.exitCode)}: ${out}`));
      if (await readyWhen()) return resolve(child);
      if (Date.now() > deadline) {
        stopServer(child);
        return reject(new Error(`server did not start: ${out}`));
      }
      setTimeout(() => void poll(), 50);
    };
    void poll();
  });
}

function stopServer(child: ChildProcess | undefined): void {
  if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
}

function podIp(result: AnyResult, family: 4 | 6): string {
  const ips = (result as { ips?: { address: string }[] }).ips ?? [];
  const hit = ips.find((i) => (family === 4 ? !i.address.includes(':') : i.address.includes(':')));
  if (!hit) throw new Error(`no IPv${family} address in ${JSON.stringify(result)}`);
  return hit.address.split('/')[0] as string;
}

describe.skipIf(!isRoot()).each(['iptables', 'nftables'] as const)('portmap sctp mappings (%s backend), built, on a netns node', (backend) => {
  const k = backend === 'iptables' ? 1 : 2;
  const basePort = backend === 'iptables' ? 21100 : 21500;
  let node: TestNode;
  let client: TestNamespace;
  let net: NetworkConfigList;

  beforeAll(() => {
    node = createTestNode({ nodeAddress: `${NODE_IP}/24` });
    node.ns.exec(['ip', 'addr', 'add', `${NODE_IP_2}/24`, 'dev', 'uplink0']);
    node.ns.exec(['ip', 'addr', 'add', `${NODE_IP6}/64`, 'dev', 'uplink0', 'nodad']);
    client = createNamespace(`sc${k}client`);
    node.ns.exec(['ip', 'link', 'add', 'cli0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', client.name]);
    node.ns.exec(['ip', 'addr', 'add', '198.51.100.1/24', 'dev', 'cli0']);
    node.ns.exec(['ip', 'addr', 'add', 'fd00:db8:2::1/64', 'dev', 'cli0', 'nodad']);
    node.ns.exec(['ip', 'link', 'set', 'cli0', 'up']);
    client.exec(['ip', 'addr', 'add', `${CLIENT_IP}/24`, 'dev', 'eth0']);
    client.exec(['ip', 'addr', 'add', `${CLIENT_IP6}/64`, 'dev', 'eth0', 'nodad']);
    client.exec(['ip', 'link', 'set', 'eth0', 'up']);
    client.exec(['ip', 'route', 'add', 'default', 'via', '198.51.100.1']);
    client.exec(['ip', '-6', 'route', 'add', 'default', 'via', 'fd00:db8:2::1']);
    net = node.network({
      cniVersion: '1.1.0',
      name: `sc${k}ds`,
      plugins: [
        {
          type: 'bridge',
          bridge: `cnitssc${k}`,
          isDefaultGateway: true,
          hairpinMode: true,
          ipam: { type: 'host-local', ranges: [[{ subnet: `10.90.${k}.0/24` }], [{ subnet: `fd00:90:${k}::/64` }]], dataDir: '$STATE/ipam' },
        },
        { type: 'portmap', backend, stateDir: '$STATE/portmap', capabilities: { portMappings: true } },
      ],
    });
  });

  afterAll(() => {
    client?.remove();
    node?.cleanup();
  });

  /** ADDs a pod mapping hostPort -> SCTP_PORT/sctp, with a raw INIT answerer; `finish` DELs it (idempotent). */
  async function sctpPod(tag: string, hostPort: number, hostIP?: string) {
    const portMappings = [{ hostPort, containerPort: SCTP_PORT, protocol: 'sctp', ...(hostIP ? { hostIP } : {}) }];
    const pod = node.addPod(`sc${k}${tag}`);
    const result = await node.add(net, pod, { capabilityArgs: { portMappings } });
    let server: ChildProcess | undefined;
    let done = false;
    const finish = async (): Promise<void> => {
      if (done) return;
      done = true;
      stopServer(server);
      await node.del(net, pod, { capabilityArgs: { portMappings } });
      pod.remove();
    };
    try {
      let printed = '';
      const child = spawn('ip', ['netns', 'exec', pod.name, 'python3', '-u', RAW_PEER, 'server', tag, String(SCTP_PORT)], { stdio: ['ignore', 'pipe', 'pipe'] });
      server = child;
      child.stdout.on('data', (d: Buffer) => (printed += d.toString()));
      child.stderr.on('data', (d: Buffer) => (printed += d.toString()));
      await startServerReady(child, () => printed);
    } catch (e) {
      await finish();
      throw e;
    }
    return { pod, result, finish };
  }

  async function startServerReady(child: ChildProcess, printed: () => string): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!printed().includes('ready')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`raw SCTP server did not start: ${printed()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The firewall lines (both families / the whole ruleset) that match SCTP. */
  function sctpRules(): string[] {
    const text =
      backend === 'iptables' ? node.ns.exec(['iptables-save']) + node.ns.exec(['ip6tables-save']) : node.ns.exec(['nft', 'list', 'ruleset']);
    return text.split('\n').filter((l) => /\bsctp\b/.test(l));
  }

  const conntrackSctp = (port: number): string => node.ns.tryExec(['conntrack', '-L', '-p', 'sctp', '--dport', String(port)]).stdout;

  it('an SCTP INIT to node-address:hostPort reaches the pod, which sees the client; the INIT-ACK returns from node:hostPort (IPv4, IPv6, from the node, 127.0.0.1); CHECK passes', async () => {
    const port = basePort + 1;
    expect(await sctpInit(client, NODE_IP, port, port + 400)).toBe('timeout');
    const p = await sctpPod('reach', port);
    try {
      expect(await sctpInit(client, NODE_IP, port, port + 400)).toBe(`reach saw ${CLIENT_IP}`);
      // DNATed, not just routed: conntrack holds the flow to the pod's address and container port
      expect(conntrackSctp(port)).toMatch(new RegExp(`src=${podIp(p.result, 4).replaceAll('.', '\\.')} dst=${CLIENT_IP} sport=${SCTP_PORT} dport=${port + 400}`));
      expect(await sctpInit(client, NODE_IP6, port, port + 401)).toBe(`reach saw ${CLIENT_IP6}`);
      expect(await sctpInit(node.ns, NODE_IP, port, port + 402)).toMatch(/^reach saw /);
      expect(await sctpInit(node.ns, NODE_IP6, port, port + 403)).toMatch(/^reach saw /);
      // localhost: route_localnet and masquerading apply to SCTP as to TCP
      expect(await sctpInit(node.ns, '127.0.0.1', port, port + 404)).toBe(`reach saw 10.90.${k}.1`);
      // CHECK finds the sctp rules it installed
      await node.check(net, p.pod, { capabilityArgs: { portMappings: [{ hostPort: port, containerPort: SCTP_PORT, protocol: 'sctp' }] } });
    } finally {
      await p.finish();
    }
  });

  it('a hostIP sctp mapping answers on that address only', async () => {
    const port = basePort + 5;
    const p = await sctpPod('hostip', port, NODE_IP);
    try {
      expect(await sctpInit(client, NODE_IP, port, port + 400)).toBe(`hostip saw ${CLIENT_IP}`);
      expect(await sctpInit(client, NODE_IP_2, port, port + 401)).toBe('timeout');
      expect(await sctpInit(client, NODE_IP6, port, port + 402)).toBe('timeout');
    } finally {
      await p.finish();
    }
  });

  it('DEL removes every sctp rule and the mapping stops answering', async () => {
    const port = basePort + 2;
    expect(sctpRules()).toEqual([]);
    const p = await sctpPod('del', port);
    try {
      expect(sctpRules().length).toBeGreaterThan(0);
      expect(sctpRules().join('\n')).toContain(String(port));
      expect(await sctpInit(client, NODE_IP, port, port + 400)).toBe(`del saw ${CLIENT_IP}`);
    } finally {
      await p.finish();
    }
    expect(sctpRules()).toEqual([]);
    expect(await sctpInit(client, NODE_IP, port, port + 401)).toBe('timeout');
  });

  it('after DEL and a new pod on the same host port, a peer reconnecting from the same source port reaches the new pod (stale conntrack flushed)', async () => {
    // SCTP peers (Diameter, S1AP, M3UA) often bind fixed ports on both ends, so the reconnect
    // is the same 5-tuple; an ESTABLISHED entry left behind still DNATs it to the old pod's
    // address, and every retransmitted INIT refreshes that entry
    const port = basePort + 3;
    const sport = port + 400;
    const first = await sctpPod('old', port);
    let second: Awaited<ReturnType<typeof sctpPod>> | undefined;
    try {
      expect(await sctpInit(client, NODE_IP, port, sport, true)).toBe(`old saw ${CLIENT_IP}`);
      expect(conntrackSctp(port)).toMatch(new RegExp(`ESTABLISHED .*src=${podIp(first.result, 4).replaceAll('.', '\\.')} `));
      await first.finish();
      const leftAfterDel = conntrackSctp(port);
      second = await sctpPod('new', port);
      expect(podIp(second.result, 4)).not.toBe(podIp(first.result, 4));
      expect(await sctpInit(client, NODE_IP, port, sport)).toBe(`new saw ${CLIENT_IP}`);
      expect(leftAfterDel).not.toContain(`dport=${port}`);
    } finally {
      await first.finish();
      await second?.finish();
    }
  });

  it.skipIf(!SCTP_SOCKETS.supported)(
    `a real SCTP association (socat) through node-address:hostPort, IPv4 and IPv6${SCTP_SOCKETS.supported ? '' : ` (skipped: ${SCTP_SOCKETS.reason})`}`,
    async () => {
      const port = basePort + 4;
      const portMappings = [{ hostPort: port, containerPort: SCTP_PORT, protocol: 'sctp' }];
      const pod = node.addPod(`sc${k}socat`);
      await node.add(net, pod, { capabilityArgs: { portMappings } });
      let server: ChildProcess | undefined;
      try {
        server = await startServer(pod, ['socat', `SCTP-LISTEN:${SCTP_PORT},pf=ip6,fork,reuseaddr`, 'SYSTEM:echo socat-pod'], async () =>
          (await run(pod, ['ss', '-Hlnp', '--sctp'])).includes(`:${SCTP_PORT}`),
        );
        expect(await sctpConnect(client, NODE_IP, port)).toBe('socat-pod');
        expect(await sctpConnect(client, NODE_IP6, port)).toBe('socat-pod');
        expect(await sctpConnect(node.ns, NODE_IP, port)).toBe('socat-pod');
      } finally {
        stopServer(server);
        await node.del(net, pod, { capabilityArgs: { portMappings } });
        pod.remove();
      }
      expect(await sctpConnect(client, NODE_IP, port)).not.toBe('socat-pod');
    },
  );
});
