import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyResult } from '../../lib/cni/index.ts';
import { portmapDnatChainName } from '../../lib/firewall/names.ts';
import type { NetworkConfigList } from '../../lib/runtime/index.ts';
import { type TestNamespace, type TestNode, createNamespace, createTestNode, isRoot, runOurPlugin } from '../../lib/testing/index.ts';

// The built plugins end to end, as a CRI runtime drives them: a conflist [bridge (our
// host-local), portmap] on a throwaway node namespace holding the "node IP" 192.0.2.1, a
// "client" namespace standing for another host behind a veth, and pods running a small TCP/UDP
// server. Every address below is assigned by this file inside namespaces it created.

type Backend = 'iptables' | 'nftables';

const NODE_IP = '192.0.2.1';
const NODE_IP_2 = '192.0.2.2';
const NODE_IP6 = 'fd00:db8:1::1';
const CLIENT_IP = '198.51.100.2';
const CLIENT_IP6 = 'fd00:db8:2::2';
const TCP_PORT = 8080;
const UDP_PORT = 5353;

/** Answers TCP with "<tag> saw <peer>" and echoes UDP datagrams as "<tag> <payload>". */
const SERVER = `
const tag = process.argv[1];
require('net').createServer((s) => s.end(tag + ' saw ' + s.remoteAddress)).listen(${TCP_PORT}, '::', () => {
  const u = require('dgram').createSocket('udp4');
  u.on('message', (m, r) => u.send(tag + ' ' + m, r.port, r.address));
  u.bind(${UDP_PORT}, '0.0.0.0', () => console.log('ready'));
});`;
const TCP_CLIENT = `
const [host, port] = process.argv.slice(1);
const s = require('net').connect({ host, port: Number(port) });
let out = '';
s.on('data', (d) => { out += d; });
s.on('end', () => { console.log(out); process.exit(0); });
s.on('error', (e) => { console.log('error ' + e.code); process.exit(0); });
setTimeout(() => { console.log('timeout'); process.exit(0); }, 5000);`;
/** Sends from a fixed source port (so a second run reuses the conntrack entry) until an answer comes. */
const UDP_CLIENT = `
const [host, port, sport] = process.argv.slice(1);
const s = require('dgram').createSocket('udp4');
s.on('message', (m) => { console.log(String(m)); process.exit(0); });
s.bind(Number(sport), () => {
  const send = () => s.send('ping', Number(port), host);
  send(); setInterval(send, 400);
});
setTimeout(() => { console.log('timeout'); process.exit(0); }, 2000);`;

function nodeJs(ns: TestNamespace, program: string, args: readonly (string | number)[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', ns.name, process.execPath, '-e', program, ...args.map(String)], { timeout: 10_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve(stdout.trim()),
    );
  });
}
const tcp = (from: TestNamespace, host: string, port: number): Promise<string> => nodeJs(from, TCP_CLIENT, [host, port]);
const udp = (from: TestNamespace, host: string, port: number, sport: number): Promise<string> => nodeJs(from, UDP_CLIENT, [host, port, sport]);

/** Starts SERVER in a pod; resolves once it listens. Stop it with stopServer (by PID). */
function startServer(pod: TestNamespace, tag: string): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', pod.name, process.execPath, '-e', SERVER, tag], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server ${tag} did not start: ${out}`)), 5000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server ${tag} exited ${String(code)}: ${out}`));
    });
  });
}

function stopServer(child: ChildProcess | undefined): void {
  if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
}

interface Mapping {
  hostPort: number;
  containerPort: number;
  protocol?: string;
  hostIP?: string;
}

/** The pod's first address of a family, from the ADD result. */
function podIp(result: AnyResult, family: 4 | 6): string {
  const ips = (result as { ips?: { address: string }[] }).ips ?? [];
  const hit = ips.find((i) => (family === 4 ? !i.address.includes(':') : i.address.includes(':')));
  if (!hit) throw new Error(`no IPv${family} address in ${JSON.stringify(result)}`);
  return hit.address.split('/')[0] as string;
}

/** Matches an address as a whole token in a firewall listing (not as a prefix of a longer one). */
function addressPattern(ip: string): RegExp {
  const body = ip.replaceAll('.', '\\.');
  return new RegExp(`(?<![0-9a-f:.])${body}(?![0-9a-f.]|:[0-9a-f]*:)`);
}

describe.skipIf(!isRoot()).each(['iptables', 'nftables'] as const)('portmap plugin (%s backend), built, on a netns node', (backend: Backend) => {
  const k = backend === 'iptables' ? 1 : 2;
  const basePort = backend === 'iptables' ? 19100 : 19500;
  let node: TestNode;
  let client: TestNamespace;
  let net4: NetworkConfigList;
  let net46: NetworkConfigList;
  const netName4 = `pm${k}v4`;
  const netName46 = `pm${k}ds`;

  function conflist(name: string, bridge: string, ranges: { subnet: string }[][]): NetworkConfigList {
    return node.network({
      cniVersion: '1.1.0',
      name,
      plugins: [
        { type: 'bridge', bridge, isDefaultGateway: true, hairpinMode: true, ipam: { type: 'host-local', ranges, dataDir: '$STATE/ipam' } },
        { type: 'portmap', backend, stateDir: '$STATE/portmap', capabilities: { portMappings: true } },
      ],
    });
  }

  /** ADDs a pod with these mappings and starts its server; `finish` DELs and stops it (idempotent). */
  async function podWith(list: NetworkConfigList, tag: string, portMappings: Mapping[]) {
    const pod = node.addPod(`pm${k}${tag}`);
    const result = await node.add(list, pod, { capabilityArgs: { portMappings } });
    const server = await startServer(pod, tag);
    let done = false;
    return {
      pod,
      result,
      server,
      async finish(): Promise<void> {
        if (done) return;
        done = true;
        stopServer(server);
        await node.del(list, pod, { capabilityArgs: { portMappings } });
        pod.remove();
      },
    };
  }

  /** Every firewall line that mentions one of the needles (both families / the whole ruleset). */
  function firewallLines(...needles: (string | RegExp)[]): string[] {
    const text =
      backend === 'iptables'
        ? node.ns.exec(['iptables-save']) + node.ns.exec(['ip6tables-save'])
        : node.ns.exec(['nft', 'list', 'ruleset']);
    return text.split('\n').filter((l) => needles.some((n) => (typeof n === 'string' ? l.includes(n) : n.test(l))));
  }

  /** What identifies a pod's rules: its DNAT chain (iptables) or its container ID as the rule comment (nftables, as Go's). */
  function ownMarker(list: NetworkConfigList, pod: TestNamespace): string {
    return backend === 'iptables' ? portmapDnatChainName(list.name, pod.name) : `comment "${pod.name}"`;
  }

  beforeAll(() => {
    node = createTestNode({ nodeAddress: `${NODE_IP}/24` });
    node.ns.exec(['ip', 'addr', 'add', `${NODE_IP_2}/24`, 'dev', 'uplink0']);
    node.ns.exec(['ip', 'addr', 'add', `${NODE_IP6}/64`, 'dev', 'uplink0', 'nodad']);
    client = createNamespace(`pm${k}client`);
    node.ns.exec(['ip', 'link', 'add', 'cli0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', client.name]);
    node.ns.exec(['ip', 'addr', 'add', '198.51.100.1/24', 'dev', 'cli0']);
    node.ns.exec(['ip', 'addr', 'add', 'fd00:db8:2::1/64', 'dev', 'cli0', 'nodad']);
    node.ns.exec(['ip', 'link', 'set', 'cli0', 'up']);
    client.exec(['ip', 'addr', 'add', `${CLIENT_IP}/24`, 'dev', 'eth0']);
    client.exec(['ip', 'addr', 'add', `${CLIENT_IP6}/64`, 'dev', 'eth0', 'nodad']);
    client.exec(['ip', 'link', 'set', 'eth0', 'up']);
    client.exec(['ip', 'route', 'add', 'default', 'via', '198.51.100.1']);
    client.exec(['ip', '-6', 'route', 'add', 'default', 'via', 'fd00:db8:2::1']);
    net4 = conflist(netName4, `cnitspm${k}a`, [[{ subnet: `10.88.${k}.0/24` }]]);
    net46 = conflist(netName46, `cnitspm${k}b`, [[{ subnet: `10.89.${k}.0/24` }], [{ subnet: `fd00:89:${k}::/64` }]]);
  });

  afterAll(() => {
    client?.remove();
    node?.cleanup();
  });

  it('another host reaches node-address:hostPort and the pod sees its real address', async () => {
    const port = basePort + 1;
    expect(await tcp(client, NODE_IP, port)).toMatch(/^error ECONNREFUSED/);
    const p = await podWith(net4, 'remote', [{ hostPort: port, containerPort: TCP_PORT, protocol: 'tcp' }]);
    try {
      expect(await tcp(client, NODE_IP, port)).toBe(`remote saw ::ffff:${CLIENT_IP}`);
    } finally {
      await p.finish();
    }
    expect(await tcp(client, NODE_IP, port)).toMatch(/^error ECONNREFUSED/);
  });

  it('the node reaches the pod through its own address and through 127.0.0.1', async () => {
    const port = basePort + 2;
    const p = await podWith(net4, 'local', [{ hostPort: port, containerPort: TCP_PORT }]);
    try {
      expect(await tcp(node.ns, NODE_IP, port)).toMatch(/^local saw /);
      // localhost needs route_localnet on the bridge and masquerading (a 127/8 source cannot leave)
      expect(await tcp(node.ns, '127.0.0.1', port)).toMatch(/^local saw ::ffff:10\.88\./);
    } finally {
      await p.finish();
    }
  });

  it('hairpin: the pod reaches itself, and another pod reaches it, through the node address', async () => {
    const port = basePort + 3;
    const p = await podWith(net4, 'hair', [{ hostPort: port, containerPort: TCP_PORT }]);
    const other = node.addPod(`pm${k}other`);
    try {
      await node.add(net4, other);
      const gateway = `10.88.${k}.1`;
      // masqueraded to the bridge address, or the pod would answer itself directly
      expect(await tcp(p.pod, NODE_IP, port)).toBe(`hair saw ::ffff:${gateway}`);
      expect(await tcp(other, NODE_IP, port)).toMatch(/^hair saw /);
    } finally {
      await p.finish();
      await node.del(net4, other);
    }
  });

  it('a hostIP mapping answers on that address only', async () => {
    const port = basePort + 4;
    const p = await podWith(net4, 'hostip', [{ hostPort: port, containerPort: TCP_PORT, hostIP: NODE_IP }]);
    try {
      expect(await tcp(client, NODE_IP, port)).toBe(`hostip saw ::ffff:${CLIENT_IP}`);
      expect(await tcp(client, NODE_IP_2, port)).toMatch(/^(error ECONNREFUSED|timeout)/);
      expect(await tcp(node.ns, NODE_IP, port)).toMatch(/^hostip saw /);
      expect(await tcp(node.ns, NODE_IP_2, port)).toMatch(/^(error ECONNREFUSED|timeout)/);
    } finally {
      await p.finish();
    }
  });

  it('IPv6: a dual-stack pod is reachable at the node IPv6 address, from another host and the node', async () => {
    const port = basePort + 5;
    expect(await tcp(client, NODE_IP6, port)).toMatch(/^error ECONNREFUSED/);
    const p = await podWith(net46, 'six', [{ hostPort: port, containerPort: TCP_PORT }]);
    try {
      expect(podIp(p.result, 6)).toMatch(/^fd00:89:/);
      // the first IPv6 packets to a fresh pod wait for neighbour discovery (~1 s, a SYN
      // retransmit, even without portmap): the client allows for that
      expect(await tcp(client, NODE_IP6, port)).toBe(`six saw ${CLIENT_IP6}`);
      expect(await tcp(node.ns, NODE_IP6, port)).toMatch(/^six saw /);
      // and IPv4 still works for the same mapping
      expect(await tcp(client, NODE_IP, port)).toBe(`six saw ::ffff:${CLIENT_IP}`);
    } finally {
      await p.finish();
    }
  });

  it('UDP: after DEL and a new pod on the same host port, traffic reaches the new pod (stale conntrack flushed)', async () => {
    const port = basePort + 6;
    const sport = basePort + 406;
    const mappings = [{ hostPort: port, containerPort: UDP_PORT, protocol: 'udp' }];
    const first = await podWith(net4, 'udpold', mappings);
    let second: Awaited<ReturnType<typeof podWith>> | undefined;
    try {
      expect(await udp(client, NODE_IP, port, sport)).toBe('udpold ping');
      const entries = (): string => node.ns.tryExec(['conntrack', '-L', '-p', 'udp', '--dport', String(port)]).stdout;
      expect(entries()).toContain(podIp(first.result, 4));
      await first.finish();
      expect(entries()).not.toContain(`dport=${port}`);
      second = await podWith(net4, 'udpnew', mappings);
      expect(podIp(second.result, 4)).not.toBe(podIp(first.result, 4));
      // the same 5-tuple as before: a stale entry would still point at the old address
      expect(await udp(client, NODE_IP, port, sport)).toBe('udpnew ping');
    } finally {
      await first.finish();
      await second?.finish();
    }
  });

  it('UDP: a DEL that finds the rules by owner (no state file, no prevResult) also flushes their conntrack entries', async () => {
    const port = basePort + 10;
    const sport = basePort + 410;
    const mappings = [{ hostPort: port, containerPort: UDP_PORT, protocol: 'udp' }];
    const p = await podWith(net4, 'udpown', mappings);
    try {
      expect(await udp(client, NODE_IP, port, sport)).toBe('udpown ping');
      const entries = (): string => node.ns.tryExec(['conntrack', '-L', '-p', 'udp', '--dport', String(port)]).stdout;
      expect(entries()).toContain(podIp(p.result, 4));
      // the record is lost; portmap alone is asked, as a runtime without a result cache does
      rmSync(join(node.stateDir, 'portmap', netName4, `${p.pod.name}:eth0`));
      const out = await runOurPlugin('portmap', {
        command: 'DEL',
        node: node.ns,
        containerId: p.pod.name,
        netns: p.pod.path,
        ifname: 'eth0',
        config: { cniVersion: '1.1.0', name: netName4, type: 'portmap', backend, stateDir: join(node.stateDir, 'portmap'), runtimeConfig: { portMappings: mappings } },
      });
      expect(out.code, out.stdout + out.stderr).toBe(0);
      expect(firewallLines(ownMarker(net4, p.pod))).toEqual([]);
      expect(entries()).not.toContain(`dport=${port}`);
    } finally {
      await p.finish();
    }
  });

  it('DEL without portMappings removes every rule from the state file; DEL twice and DEL without mappings succeed', async () => {
    const port = basePort + 7;
    const pod = node.addPod(`pm${k}forgot`);
    const mappings = [
      { hostPort: port, containerPort: TCP_PORT, protocol: 'tcp' },
      { hostPort: port, containerPort: UDP_PORT, protocol: 'udp' },
    ];
    const result = await node.add(net46, pod, { capabilityArgs: { portMappings: mappings } });
    const ip4 = podIp(result, 4);
    const ip6 = podIp(result, 6);
    const marker = ownMarker(net46, pod);
    const stateFile = join(node.stateDir, 'portmap', netName46, `${pod.name}:eth0`);
    try {
      expect(existsSync(stateFile)).toBe(true);
      expect(firewallLines(marker).length).toBeGreaterThan(0);
      expect(firewallLines(addressPattern(ip4)).length).toBeGreaterThan(0);
      expect(firewallLines(addressPattern(ip6)).length).toBeGreaterThan(0);
      // the runtime forgot the mappings: no capabilityArgs at all
      await node.del(net46, pod);
      expect(firewallLines(marker)).toEqual([]);
      expect(firewallLines(addressPattern(ip4), addressPattern(ip6))).toEqual([]);
      expect(existsSync(stateFile)).toBe(false);
      await node.del(net46, pod);
      await node.del(net46, pod, { capabilityArgs: { portMappings: mappings } });
      // a pod that never had mappings
      const plain = node.addPod(`pm${k}plain`);
      await node.add(net4, plain);
      await node.del(net4, plain);
      await node.del(net4, plain);
    } finally {
      await node.del(net46, pod).catch(() => {});
    }
  });

  it('CHECK passes for IPv4-only and dual-stack pods and fails once a rule is deleted by hand', async () => {
    const port4 = basePort + 8;
    const port46 = basePort + 9;
    const a = await podWith(net4, 'chk4', [{ hostPort: port4, containerPort: TCP_PORT }]);
    const b = await podWith(net46, 'chk46', [{ hostPort: port46, containerPort: TCP_PORT }]);
    const rt = (port: number) => ({ capabilityArgs: { portMappings: [{ hostPort: port, containerPort: TCP_PORT }] } });
    try {
      await node.check(net4, a.pod, rt(port4));
      await node.check(net46, b.pod, rt(port46));
      if (backend === 'iptables') {
        node.ns.exec(['iptables', '-t', 'nat', '-F', portmapDnatChainName(net46.name, b.pod.name)]);
      } else {
        const listing = JSON.parse(node.ns.exec(['nft', '-j', 'list', 'ruleset'])) as { nftables: { rule?: Record<string, any> }[] };
        const rule = listing.nftables
          .map((x) => x.rule)
          .find((r) => r && r.comment === b.pod.name && JSON.stringify(r.expr).includes('"dnat"'));
        expect(rule).toBeDefined();
        node.ns.exec(['nft', 'delete', 'rule', rule!.family, rule!.table, rule!.chain, 'handle', String(rule!.handle)]);
      }
      await expect(node.check(net46, b.pod, rt(port46))).rejects.toThrow(/type="portmap".*failed \(check\)/);
      // the untouched pod still checks out
      await node.check(net4, a.pod, rt(port4));
    } finally {
      await a.finish();
      await b.finish();
    }
  });
});
