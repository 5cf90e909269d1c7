import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestNetns } from '../test-netns.ts';
import { createTestNetns, isRoot } from '../test-netns.ts';
import { selectBackend } from '../select.ts';
import { portmap } from './feature.ts';
import type { PortmapSpec } from './types.ts';
import type { BackendName } from '../backend.ts';
import { parseCidr } from '../../addr/index.ts';

// Real packets: a "node" namespace N joined by a veth to a "pod" namespace P. A TCP server in
// P answers with the peer address it sees; clients run in N (or P) through `ip netns exec`.
// Every address here is assigned by this test inside namespaces it created.

const SERVER = `require('net').createServer((s) => s.end('pod saw ' + s.remoteAddress)).listen(8080, '::', () => console.log('ready'))`;
const CLIENT = `
const [host, port] = process.argv.slice(1);
const s = require('net').connect({ host, port: Number(port) });
let out = '';
s.on('data', (d) => { out += d; });
s.on('end', () => { console.log(out); process.exit(0); });
s.on('error', (e) => { console.log('error ' + e.code); process.exit(0); });
setTimeout(() => { console.log('timeout'); process.exit(0); }, 2000);`;
const UDP_SINK = `const s = require('dgram').createSocket('udp4');
s.on('message', (m) => console.log('got ' + m));
s.bind(9001, '127.0.0.1', () => console.log('ready'));`;
const UDP_SEND = `const s = require('dgram').createSocket('udp4'); s.send('martian', 9001, '127.0.0.1', () => s.close());`;

/** Starts a long-running node program inside a namespace and resolves once it prints `ready`. */
function startServer(ns: string, program: string): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', program], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server in ${ns} did not start: ${out}`)), 5000);
    child.stdout?.on('data', () => {
      if (out.includes('ready')) {
        clearTimeout(timer);
        resolve({ child, output: () => out });
      }
    });
    child.on('exit', (code) => reject(new Error(`server in ${ns} exited ${String(code)}`)));
  });
}

function stop(child: ChildProcess | undefined): void {
  if (child?.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!isRoot()).each(['iptables', 'nftables'] as const)('portmap %s: real DNAT between a node and a pod namespace', (name: BackendName) => {
  const k = name === 'iptables' ? 61 : 62;
  const nodeIp = `10.250.${k}.1`;
  const podIp = `10.250.${k}.2`;
  const nodeIp6 = `fd50:${k}::1`;
  const podIp6 = `fd50:${k}::2`;
  let node: TestNetns;
  let pod: TestNetns;
  let server: ChildProcess | undefined;
  const spec = (): PortmapSpec => ({
    network: 'trafficnet',
    containerId: `traffic-${name}`,
    ifname: 'eth0',
    mappings: [{ hostPort: 18080, containerPort: 8080, protocol: 'tcp' }],
    containerIPv4: parseCidr(`${podIp}/24`),
    containerIPv6: parseCidr(`${podIp6}/64`),
    snat: true,
    masqAll: false,
    markMasqBit: 13,
  });

  async function connect(from: TestNetns, host: string, port = 18080): Promise<string> {
    const r = await from.runner.run([process.execPath, '-e', CLIENT, host, String(port)]);
    return r.stdout.trim();
  }

  beforeAll(async () => {
    node = await createTestNetns(`pmtn-${name.slice(0, 3)}`);
    pod = await createTestNetns(`pmtp-${name.slice(0, 3)}`);
    for (const ns of [node, pod]) await ns.sh(['ip', 'link', 'set', 'lo', 'up']);
    await node.sh(['ip', 'link', 'add', 'vh0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod.name]);
    await node.sh(['ip', 'addr', 'add', `${nodeIp}/24`, 'dev', 'vh0']);
    await node.sh(['ip', 'addr', 'add', `${nodeIp6}/64`, 'dev', 'vh0', 'nodad']);
    await node.sh(['ip', 'link', 'set', 'vh0', 'up']);
    await pod.sh(['ip', 'addr', 'add', `${podIp}/24`, 'dev', 'eth0']);
    await pod.sh(['ip', 'addr', 'add', `${podIp6}/64`, 'dev', 'eth0', 'nodad']);
    await pod.sh(['ip', 'link', 'set', 'eth0', 'up']);
    await pod.sh(['ip', 'route', 'add', 'default', 'via', nodeIp]);
    // what the portmap plugin and the bridge set on a real node (here: inside N only)
    await node.sh(['sysctl', '-qw', 'net.ipv4.conf.vh0.route_localnet=1', 'net.ipv4.ip_forward=1']);
    server = (await startServer(pod.name, SERVER)).child;
  });

  afterAll(async () => {
    stop(server);
    await pod?.destroy();
    await node?.destroy();
  });

  it('connection to the node address reaches the pod only while the mapping exists', async () => {
    expect(await connect(node, nodeIp)).toMatch(/^error ECONNREFUSED/);
    await selectBackend(portmap, name, node.runner).setup(spec());
    // the client's source (the node address) is in the pod subnet, so it is masqueraded
    expect(await connect(node, nodeIp)).toBe(`pod saw ::ffff:${nodeIp}`);
  });

  it('IPv6: the node’s IPv6 address:hostPort reaches the pod', async () => {
    expect(await connect(node, nodeIp6)).toBe(`pod saw ${nodeIp6}`);
  });

  it('localhost -> hostPort works through route_localnet, masqueraded, despite the localnet guard', async () => {
    expect(await connect(node, '127.0.0.1')).toBe(`pod saw ::ffff:${nodeIp}`);
  });

  it('hairpin: the pod reaches itself through the node’s hostPort, masqueraded', async () => {
    expect(await connect(pod, nodeIp)).toBe(`pod saw ::ffff:${nodeIp}`);
  });

  it('the localnet guard drops a pod’s packets to the node’s 127.0.0.1 (and only the guard does)', async () => {
    // let the pod route 127/8 to the node, as an attacker on the bridge could
    await pod.sh(['sysctl', '-qw', 'net.ipv4.conf.eth0.route_localnet=1']);
    await pod.sh(['ip', 'route', 'del', 'table', 'local', 'local', '127.0.0.0/8', 'dev', 'lo']);
    await pod.sh(['ip', 'route', 'del', 'table', 'local', 'local', '127.0.0.1', 'dev', 'lo']);
    await pod.sh(['ip', 'route', 'add', '127.0.0.0/8', 'via', nodeIp, 'dev', 'eth0']);
    const sink = await startServer(node.name, UDP_SINK);
    try {
      await pod.sh([process.execPath, '-e', UDP_SEND]);
      await sleep(300);
      expect(sink.output()).not.toContain('got martian');
      // positive control: without the guard the same datagram is delivered
      if (name === 'iptables') await node.sh(['iptables', '-D', 'INPUT', '-j', 'CNI-HOSTPORT-LOCALNET']);
      else await node.sh(['nft', 'flush', 'chain', 'ip', 'cni_hostport', 'localnet_input']);
      await pod.sh([process.execPath, '-e', UDP_SEND]);
      await sleep(300);
      expect(sink.output()).toContain('got martian');
    } finally {
      stop(sink.child);
    }
  });

  it('after teardown the hostPort is closed again', async () => {
    await selectBackend(portmap, name, node.runner).teardown(spec());
    expect(await connect(node, nodeIp)).toMatch(/^error ECONNREFUSED/);
    expect(await connect(node, nodeIp6)).toMatch(/^error ECONNREFUSED/);
  });
});
