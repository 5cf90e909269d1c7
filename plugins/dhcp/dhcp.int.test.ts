import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST_BIN, GO_PLUGIN_DIR, type TestNamespace, createNamespace, hasGoPlugin, isRoot, removeAllNamespaces, runPluginBinary } from '../../lib/testing/index.ts';

// dhcp end to end: busybox udhcpd in a "server" namespace on a veth, our daemon in a "node"
// namespace (own socket in a temporary directory), a pod whose eth0 is a macvlan over the
// node's end of that veth. ADD gets a lease, CHECK finds it, the daemon renews it at T1 (an 8 s
// lease), a killed and restarted daemon keeps renewing it, DEL releases it (udhcpd marks it
// expired), DEL and ADD with the daemon down. Every process started here is ended by its PID.

const BUSYBOX = '/usr/bin/busybox';
const DHCP = join(DIST_BIN, 'dhcp');
const haveBusybox = existsSync(BUSYBOX);

interface Proc {
  child: ChildProcess;
  out: () => string;
}

function start(ns: TestNamespace, argv: string[]): Proc {
  // `ip netns exec` execs the command: the child's PID is the daemon's own
  const child = spawn('ip', ['netns', 'exec', ns.name, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  return { child, out: () => out };
}

async function stop(p: Proc | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null || p.child.pid === undefined) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  process.kill(p.child.pid, signal);
  await exited;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, fn: () => T | undefined, ms: number): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe.skipIf(!isRoot() || !haveBusybox)('dhcp: leases from a real DHCP server through the daemon', () => {
  let server: TestNamespace;
  let node: TestNamespace;
  let pod: TestNamespace;
  let dir: string;
  let udhcpd: Proc | undefined;
  let daemon: Proc | undefined;
  let socketPath: string;
  let stateDir: string;
  let config: Record<string, unknown>;
  const call = { containerId: 'dhcp-c1', ifname: 'eth0' };

  const startDaemon = async () => {
    daemon = start(node, [DHCP, 'daemon', '-socketpath', socketPath, '-statedir', stateDir, '-timeout', '2s', '-resendtimeout', '20s']);
    await waitFor('the daemon to listen', () => daemon?.out().includes('listening on'), 10_000);
  };
  const savedLease = () => JSON.parse(readFileSync(join(stateDir, 'leases.json'), 'utf8')).leases[0]?.grant;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cnits-dhcp-'));
    socketPath = join(dir, 'run', 'dhcp.sock');
    stateDir = join(dir, 'state');
    server = createNamespace('dhcps');
    node = createNamespace('dhcpn');
    pod = createNamespace('dhcpp');
    node.exec(['ip', 'link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 's0', 'netns', server.name]);
    server.exec(['ip', 'addr', 'add', '192.168.77.1/24', 'dev', 's0']);
    server.exec(['ip', 'link', 'set', 's0', 'up']);
    node.exec(['ip', 'link', 'set', 'up0', 'up']);
    // what an interface plugin (macvlan) does before it calls IPAM: the link exists, still down
    node.exec(['ip', 'link', 'add', 'link', 'up0', 'name', 'mv0', 'type', 'macvlan', 'mode', 'bridge']);
    node.exec(['ip', 'link', 'set', 'mv0', 'netns', pod.name]);
    pod.exec(['ip', 'link', 'set', 'mv0', 'name', 'eth0']);
    writeFileSync(join(dir, 'udhcpd.leases'), '');
    writeFileSync(
      join(dir, 'udhcpd.conf'),
      [
        'start 192.168.77.100',
        'end 192.168.77.150',
        'interface s0',
        `lease_file ${join(dir, 'udhcpd.leases')}`,
        `pidfile ${join(dir, 'udhcpd.pid')}`,
        'option subnet 255.255.255.0',
        'option router 192.168.77.1',
        'option dns 192.168.77.53',
        'option domain example.test',
        'option staticroutes 10.99.0.0/16 192.168.77.1, 0.0.0.0/0 192.168.77.1',
        'option lease 8',
        '',
      ].join('\n'),
    );
    udhcpd = start(server, [BUSYBOX, 'udhcpd', '-f', join(dir, 'udhcpd.conf')]);
    await waitFor('udhcpd to start', () => udhcpd?.out().includes('started'), 5000);
    config = { cniVersion: '1.0.0', name: 'dnet', type: 'dhcp', ipam: { type: 'dhcp', daemonSocketPath: socketPath } };
  }, 30_000);

  afterAll(async () => {
    await stop(daemon);
    await stop(udhcpd);
    removeAllNamespaces();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ADD with the daemon down is code 11 naming the socket; DEL with it down succeeds and says so', async () => {
    const add = await runPluginBinary(DHCP, { command: 'ADD', config, ...call, netns: pod.path, node });
    expect(add.code).toBe(1);
    expect(add.json).toMatchObject({ code: 11 });
    expect(add.json.msg).toContain(socketPath);
    const del = await runPluginBinary(DHCP, { command: 'DEL', config, ...call, netns: pod.path, node });
    expect(del.code, del.stdout).toBe(0);
    expect(del.stderr).toContain('nothing to release');
  });

  it('bad ipam keys are code 7 before the daemon is asked', async () => {
    const bad = await runPluginBinary(DHCP, { command: 'ADD', config: { ...config, ipam: { type: 'dhcp', daemonSocketPath: socketPath, request: [{ option: 'bogus' }] } }, ...call, netns: pod.path, node });
    expect(bad.json).toMatchObject({ code: 7, msg: 'invalid ipam.request[0].option "bogus"' });
    const noIpam = await runPluginBinary(DHCP, { command: 'ADD', config: { ...config, ipam: undefined }, ...call, netns: pod.path, node });
    expect(noIpam.json).toMatchObject({ code: 7 });
  });

  it('ADD gets a lease with router, routes (option 121) and DNS; CHECK finds it; a second ADD reuses it', async () => {
    await startDaemon();
    const add = await runPluginBinary(DHCP, { command: 'ADD', config, ...call, netns: pod.path, node });
    expect(add.code, add.stdout + add.stderr + daemon?.out()).toBe(0);
    expect(add.json.ips).toHaveLength(1);
    expect(add.json.ips[0].address).toMatch(/^192\.168\.77\.(1[0-4]\d|150)\/24$/);
    expect(add.json.ips[0].gateway).toBe('192.168.77.1');
    expect(add.json.routes).toEqual([
      { dst: '10.99.0.0/16', gw: '192.168.77.1' },
      { dst: '0.0.0.0/0', gw: '192.168.77.1' },
    ]);
    expect(add.json.dns).toEqual({ nameservers: ['192.168.77.53'], domain: 'example.test' });
    // the daemon set the pod's link up to talk DHCP on it
    expect(pod.exec(['ip', '-j', 'link', 'show', 'eth0'])).toContain('"UP"');
    // the interface plugin would now configure the address
    pod.exec(['ip', 'addr', 'add', add.json.ips[0].address, 'dev', 'eth0']);

    const prevResult = { cniVersion: '1.0.0', ips: add.json.ips };
    const check = await runPluginBinary(DHCP, { command: 'CHECK', config: { ...config, prevResult }, ...call, netns: pod.path, node });
    expect(check.code, check.stdout).toBe(0);
    const wrong = await runPluginBinary(DHCP, { command: 'CHECK', config: { ...config, prevResult: { cniVersion: '1.0.0', ips: [{ address: '10.1.1.1/24' }] } }, ...call, netns: pod.path, node });
    expect(wrong.code).toBe(1);
    expect(wrong.json.msg).toContain('not in prevResult');
    const other = await runPluginBinary(DHCP, { command: 'CHECK', config, ...call, containerId: 'never-added', netns: pod.path, node });
    expect(other.json.msg).toContain('holds no lease');

    const again = await runPluginBinary(DHCP, { command: 'ADD', config, ...call, netns: pod.path, node });
    expect(again.json.ips).toEqual(add.json.ips);
    expect(daemon?.out().match(/lease acquired/g)).toHaveLength(1);
  }, 60_000);

  it('renews at T1 (8 s lease), also after the daemon was killed and restarted', async () => {
    const first = savedLease();
    const renewed = await waitFor('a renewal', () => {
      const g = savedLease();
      return g.boundAt > first.boundAt ? g : undefined;
    }, 12_000);
    expect(renewed.address).toBe(first.address);
    expect(daemon?.out()).toMatch(/renewed for 8 s/);

    await stop(daemon, 'SIGKILL'); // leaves its socket file behind
    expect(existsSync(socketPath)).toBe(true);
    await startDaemon();
    expect(daemon?.out()).toContain(`resumed lease ${first.address}/24`);
    const before = savedLease().boundAt;
    await waitFor('a renewal by the restarted daemon', () => savedLease().boundAt > before, 12_000);
    const check = await runPluginBinary(DHCP, { command: 'CHECK', config, ...call, netns: pod.path, node });
    expect(check.code, check.stdout).toBe(0);
  }, 60_000);

  it('DEL releases the lease (the server marks it expired) and forgets it; a second DEL succeeds', async () => {
    const address = savedLease().address as string;
    const leasesBefore = () => {
      process.kill(Number(readFileSync(join(dir, 'udhcpd.pid'), 'utf8')), 'SIGUSR1'); // udhcpd writes its lease file
      return server.exec([BUSYBOX, 'dumpleases', '-f', join(dir, 'udhcpd.leases')]);
    };
    await waitFor('udhcpd to list the lease', () => leasesBefore().split('\n').find((l) => l.includes(address) && !l.includes('expired')), 5000);
    const del = await runPluginBinary(DHCP, { command: 'DEL', config, ...call, netns: pod.path, node });
    expect(del.code, del.stdout).toBe(0);
    expect(daemon?.out()).toContain(`released ${address}`);
    await waitFor('udhcpd to mark the lease expired', () => leasesBefore().split('\n').find((l) => l.includes(address) && l.includes('expired')), 5000);
    expect(JSON.parse(readFileSync(join(stateDir, 'leases.json'), 'utf8')).leases).toEqual([]);
    const again = await runPluginBinary(DHCP, { command: 'DEL', config, ...call, netns: pod.path, node });
    expect(again.code, again.stdout).toBe(0);
    await stop(daemon);
    expect(existsSync(socketPath)).toBe(false);
  }, 30_000);

  it('-hostprefix: the daemon in a "container" finds the socket and the pod netns under the host root', async () => {
    // A daemon run in a container sees the host's / at -hostprefix; plugins send host paths.
    // Here the "host root" is a directory holding only what the daemon needs: without the pod's
    // netns under it, ADD must fail naming the prefixed path, so the prefix is really applied.
    const hostRoot = join(dir, 'host');
    const prefixedState = join(dir, 'state-prefixed');
    const prefixedConfig = { ...config, ipam: { type: 'dhcp', daemonSocketPath: join(hostRoot, 'sock/dhcp.sock') } };
    daemon = start(node, [DHCP, 'daemon', '-hostprefix', `${hostRoot}/`, '-socketpath', '/sock/dhcp.sock', '-statedir', prefixedState, '-timeout', '2s', '-resendtimeout', '20s']);
    await waitFor('the daemon to listen', () => daemon?.out().includes('listening on'), 10_000);
    expect(daemon.out()).toContain(`listening on ${hostRoot}/sock/dhcp.sock`);

    const missing = await runPluginBinary(DHCP, { command: 'ADD', config: prefixedConfig, ...call, netns: pod.path, node });
    expect(missing.code).toBe(1);
    expect(missing.json.msg + missing.json.details).toContain(hostRoot + pod.path);

    mkdirSync(join(hostRoot, dirname(pod.path)), { recursive: true });
    symlinkSync(pod.path, hostRoot + pod.path);
    const add = await runPluginBinary(DHCP, { command: 'ADD', config: prefixedConfig, ...call, netns: pod.path, node });
    expect(add.code, add.stdout + daemon.out()).toBe(0);
    expect(add.json.ips[0].address).toMatch(/^192\.168\.77\.\d+\/24$/);
    // the lease file keeps the host path the plugin sent, not the prefixed one
    expect(JSON.parse(readFileSync(join(prefixedState, 'leases.json'), 'utf8')).leases[0].netns).toBe(pod.path);
    const del = await runPluginBinary(DHCP, { command: 'DEL', config: prefixedConfig, ...call, netns: pod.path, node });
    expect(del.code, del.stdout).toBe(0);
    expect(daemon.out()).toContain(`released ${add.json.ips[0].address.split('/')[0]}`);
    await stop(daemon);
    expect(existsSync(join(hostRoot, 'sock/dhcp.sock'))).toBe(false);
  }, 60_000);
});

/** A node namespace and a temporary directory for one describe block, removed with every process started there. */
function useDaemonNode(name: string): { readonly node: TestNamespace; readonly dir: string; readonly procs: Proc[] } {
  let node: TestNamespace | undefined;
  let dir: string | undefined;
  const procs: Proc[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), `cnits-${name}-`));
    node = createNamespace(name);
  });
  afterAll(async () => {
    for (const p of procs) await stop(p);
    removeAllNamespaces();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return {
    get node() {
      if (node === undefined) throw new Error('useDaemonNode: used outside a test');
      return node;
    },
    get dir() {
      if (dir === undefined) throw new Error('useDaemonNode: used outside a test');
      return dir;
    },
    procs,
  };
}

describe.skipIf(!isRoot() || !hasGoPlugin('dhcp'))("dhcp: ours and Debian's Go daemon refuse each other's plugin with a readable error", () => {
  const sandbox = useDaemonNode('dhcpx');

  it('our plugin at a Go daemon: code 11 naming it; Go plugin at ours: an HTTP refusal naming cni-ts', async () => {
    const { node, dir, procs } = sandbox;
    const goDaemon = start(node, [join(GO_PLUGIN_DIR, 'dhcp'), 'daemon', '-socketpath', join(dir, 'go.sock')]);
    const ours = start(node, [DHCP, 'daemon', '-socketpath', join(dir, 'ts.sock'), '-statedir', join(dir, 'state')]);
    procs.push(goDaemon, ours);
    await waitFor('both daemons', () => existsSync(join(dir, 'go.sock')) && ours.out().includes('listening on'), 10_000);
    const conf = (sock: string) => ({ cniVersion: '1.0.0', name: 'dnet', type: 'dhcp', ipam: { type: 'dhcp', daemonSocketPath: join(dir, sock) } });
    const call = { command: 'ADD', containerId: 'x1', ifname: 'eth0', netns: node.path, node };
    const atGo = await runPluginBinary(DHCP, { ...call, config: conf('go.sock') });
    expect(atGo.json).toMatchObject({ code: 11 });
    expect(atGo.json.details).toContain("Go's dhcp daemon");
    const goAtOurs = await runPluginBinary(join(GO_PLUGIN_DIR, 'dhcp'), { ...call, config: conf('ts.sock') });
    expect(goAtOurs.code).toBe(1);
    expect(goAtOurs.json.msg).toContain('cni-ts dhcp daemon');
  }, 30_000);
});

const SOCKET_ACTIVATE = '/usr/bin/systemd-socket-activate';

describe.skipIf(!isRoot() || !existsSync(SOCKET_ACTIVATE))('dhcp: the daemon started by systemd socket activation', () => {
  // systemd-socket-activate is systemd's own launcher for testing .socket units: it binds the
  // socket, waits for the first connection, then execs the daemon with it as fd 3, LISTEN_FDS=1
  // and LISTEN_PID, as systemd does. The plugin's first request is what starts the daemon.
  const sandbox = useDaemonNode('dhcpa');

  it("serves on the socket systemd passed, and leaves it in place on SIGTERM (it is systemd's)", async () => {
    const { node, dir, procs } = sandbox;
    const socket = join(dir, 'activated.sock');
    // a -socketpath elsewhere shows that the passed socket wins over the flag
    const launcher = start(node, [SOCKET_ACTIVATE, '-l', socket, DHCP, 'daemon', '-socketpath', join(dir, 'unused.sock'), '-statedir', join(dir, 'state')]);
    procs.push(launcher);
    await waitFor('the launcher to bind', () => existsSync(socket), 10_000);
    expect(launcher.out()).not.toContain('dhcp daemon listening');

    const conf = { cniVersion: '1.0.0', name: 'dnet', type: 'dhcp', ipam: { type: 'dhcp', daemonSocketPath: socket } };
    const call = { containerId: 'act1', ifname: 'eth0', netns: node.path, node };
    const check = await runPluginBinary(DHCP, { ...call, command: 'CHECK', config: conf });
    expect(check.code).toBe(1);
    expect(check.json.msg, launcher.out()).toContain('holds no lease'); // answered by the daemon
    expect(launcher.out()).toContain('listening on the socket systemd passed (fd 3, LISTEN_FDS=1)');
    expect(existsSync(join(dir, 'unused.sock'))).toBe(false);
    const del = await runPluginBinary(DHCP, { ...call, command: 'DEL', config: conf });
    expect(del.code, del.stdout).toBe(0);
    expect(launcher.out()).toContain('release: no lease known');

    await stop(launcher); // the launcher exec'd the daemon: same PID
    expect(launcher.out()).toContain('SIGTERM: stopping');
    expect(existsSync(socket)).toBe(true);
  }, 30_000);

  it('refuses more than one passed socket with a message naming the .socket unit', async () => {
    const { node, dir, procs } = sandbox;
    const a = join(dir, 'a.sock');
    const launcher = start(node, [SOCKET_ACTIVATE, '-l', a, '-l', join(dir, 'b.sock'), DHCP, 'daemon', '-statedir', join(dir, 'state2')]);
    procs.push(launcher);
    await waitFor('the launcher to bind', () => existsSync(a), 10_000);
    const conf = { cniVersion: '1.0.0', name: 'dnet', type: 'dhcp', ipam: { type: 'dhcp', daemonSocketPath: a } };
    const add = await runPluginBinary(DHCP, { command: 'ADD', containerId: 'act2', ifname: 'eth0', netns: node.path, node, config: conf });
    expect(add.code).toBe(1);
    const exited = await waitFor('the daemon to exit', () => launcher.child.exitCode ?? undefined, 10_000);
    expect(exited).toBe(1);
    expect(launcher.out()).toContain('systemd passed 2 sockets (LISTEN_FDS=2)');
  }, 30_000);
});
