#!/usr/bin/env node
// `npm run demo`: the suite working for real. Installs and builds what is missing, then, entirely
// inside throwaway network namespaces, makes a "node" and two pods on a network of bridge +
// host-local + portmap + firewall + tuning (podman's chain, plus loopback) and a third pod on a
// second network isolated from the first (Docker's user-defined networks), shows their
// addresses, proves pod-to-pod ping, an HTTP request through a host port mapping and the
// isolation, tears everything down and shows that nothing is left.
// It never touches the machine's root network namespace, /etc/cni or /var/lib/cni.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, ensureNpmDeps, ensureSystemPackages, isRoot, root } from './setup.mjs';

const bold = (s) => `\x1b[1m${s}\x1b[0m`;
const green = (s) => `\x1b[32m${s}\x1b[0m`;
const red = (s) => `\x1b[31m${s}\x1b[0m`;
const dim = (s) => `\x1b[2m${s}\x1b[0m`;

if (!isRoot()) {
  console.error(red('npm run demo needs root: it creates network namespaces, a bridge, veth pairs and firewall rules (all inside throwaway namespaces).'));
  console.error('Run it again with sudo, or as root.');
  process.exit(1);
}
ensureNpmDeps();
ensureSystemPackages();
await ensureBuilt();

const bin = join(root, 'dist', 'bin');
const id = randomBytes(3).toString('hex');
const node = `cnits-demo-node-${id}`;
const pods = [`cnits-demo-pod1-${id}`, `cnits-demo-pod2-${id}`];
/** The pod on the second network, isolated from the first. */
const other = `cnits-demo-pod3-${id}`;
const state = mkdtempSync(join(tmpdir(), 'cni-ts-demo-'));
const confDir = join(state, 'net.d');
const server = { pid: undefined };
let failures = 0;

function run(argv, { input, allowFail = false, env } = {}) {
  const r = spawnSync(argv[0], argv.slice(1), { input: input ?? '', encoding: 'utf8', env: env ?? process.env });
  if (r.error) throw r.error;
  if (r.status !== 0 && !allowFail) throw new Error(`${argv.join(' ')} failed (${r.status}): ${(r.stderr || r.stdout).trim()}`);
  return r;
}
const inNs = (ns, argv, opts) => run(['ip', 'netns', 'exec', ns, ...argv], opts);

function step(title) {
  console.log(`\n${bold(title)}`);
}
function check(ok, what, detail = '') {
  console.log(`  ${ok ? green('✓') : red('✗')} ${what}${detail ? dim(`  ${detail}`) : ''}`);
  if (!ok) failures++;
}

function cnitool(verb, pod, extra = {}) {
  const env = {
    PATH: process.env.PATH,
    NETCONFPATH: confDir,
    CNI_PATH: bin,
    CNI_CACHE_DIR: join(state, 'cache'),
    ...extra,
  };
  return inNs(node, ['env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), join(bin, 'cnitool'), ...verb, `/run/netns/${pod}`], { allowFail: true });
}

function cleanup() {
  if (server.pid) {
    try {
      process.kill(server.pid);
    } catch {}
  }
  for (const ns of [...pods, other, node]) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  rmSync(state, { recursive: true, force: true });
}
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

try {
  step('1. A throwaway node and three pods');
  for (const ns of [node, ...pods, other]) run(['ip', 'netns', 'add', ns]);
  inNs(node, ['ip', 'link', 'set', 'lo', 'up']);
  // the node's own address, on a veth pair kept inside the node (the kernel may lack "dummy")
  inNs(node, ['ip', 'link', 'add', 'uplink0', 'type', 'veth', 'peer', 'name', 'uplink0p']);
  inNs(node, ['ip', 'addr', 'add', '192.0.2.1/24', 'dev', 'uplink0']);
  inNs(node, ['ip', 'link', 'set', 'uplink0', 'up']);
  inNs(node, ['ip', 'link', 'set', 'uplink0p', 'up']);
  console.log(`  node ${node} (192.0.2.1), pods ${pods.join(', ')} on network demo, ${other} on network demo-other`);

  step('2. Network configuration (written to a temporary NETCONFPATH)');
  run(['mkdir', '-p', confDir]);
  // podman's chain for `podman network create --opt isolate=true`, with state in temporary directories
  const network = (name, bridge, subnet) => ({
    cniVersion: '1.1.0',
    name,
    plugins: [
      {
        type: 'bridge',
        bridge,
        isGateway: true,
        ipMasq: true,
        ipam: { type: 'host-local', ranges: [[{ subnet }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: join(state, 'ipam') },
      },
      { type: 'portmap', capabilities: { portMappings: true }, stateDir: join(state, 'portmap') },
      { type: 'firewall', backend: 'iptables', ingressPolicy: 'same-bridge', stateDir: join(state, 'firewall') },
      { type: 'tuning', sysctl: { 'net.ipv4.conf.IFNAME.arp_notify': '1' }, dataDir: join(state, 'tuning') },
    ],
  });
  const conflist = network('demo', 'cnits-demo0', '10.99.0.0/24');
  writeFileSync(join(confDir, '10-demo.conflist'), JSON.stringify(conflist, null, 2));
  writeFileSync(join(confDir, '20-demo-other.conflist'), JSON.stringify(network('demo-other', 'cnits-demo1', '10.98.0.0/24'), null, 2));
  writeFileSync(join(confDir, '99-loopback.conf'), JSON.stringify({ cniVersion: '1.1.0', name: 'demo-lo', type: 'loopback' }));
  console.log(dim(JSON.stringify(conflist, null, 2).replace(/^/gm, '  ')));

  step('3. ADD: cnitool add (loopback, then bridge -> host-local -> portmap -> firewall -> tuning)');
  const addresses = [];
  for (const [i, pod] of pods.entries()) {
    const lo = cnitool(['add', 'demo-lo', '-i', 'lo'], pod);
    check(lo.status === 0, `${pod}: loopback up`, lo.status ? lo.stderr.trim() : '');
    const capArgs = i === 0 ? JSON.stringify({ portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] }) : '{}';
    const t0 = performance.now();
    const r = cnitool(['add', 'demo'], pod, { CAP_ARGS: capArgs });
    const ms = (performance.now() - t0).toFixed(0);
    if (r.status !== 0) {
      check(false, `${pod}: cnitool add demo`, r.stderr.trim());
      continue;
    }
    const result = JSON.parse(r.stdout);
    const ip = result.ips?.[0]?.address ?? '?';
    addresses.push(ip.split('/')[0]);
    check(true, `${pod}: eth0 ${ip} via ${result.ips?.[0]?.gateway}`, `${ms} ms${i === 0 ? ', host port 8080 -> 80' : ''}`);
  }
  const third = cnitool(['add', 'demo-other'], other);
  const otherIp = third.status === 0 ? JSON.parse(third.stdout).ips?.[0]?.address ?? '?' : '?';
  check(third.status === 0, `${other}: eth0 ${otherIp} on network demo-other`, third.status ? third.stderr.trim() : '');
  const arpNotify = inNs(pods[0], ['sysctl', '-n', 'net.ipv4.conf.eth0.arp_notify'], { allowFail: true }).stdout.trim();
  check(arpNotify === '1', `${pods[0]}: tuning set net.ipv4.conf.eth0.arp_notify`, `= ${arpNotify}`);
  console.log(dim(inNs(node, ['ip', '-br', 'link', 'show', 'master', 'cnits-demo0']).stdout.trim().replace(/^/gm, '  node: ')));

  step('4. Traffic');
  const ping = inNs(pods[0], ['ping', '-c', '2', '-W', '2', addresses[1] ?? '0.0.0.0'], { allowFail: true });
  check(ping.status === 0, `pod1 -> pod2 (${addresses[1]}) ping`, (ping.stdout.match(/\d+ received/) ?? [''])[0]);
  const gw = inNs(pods[1], ['ping', '-c', '1', '-W', '2', '10.99.0.1'], { allowFail: true });
  check(gw.status === 0, 'pod2 -> gateway 10.99.0.1 ping');
  const isolated = inNs(other, ['ping', '-c', '1', '-W', '1', addresses[0] ?? '0.0.0.0'], { allowFail: true });
  check(isolated.status !== 0, `pod3 (network demo-other) -> pod1 (${addresses[0]}) is dropped: the networks are isolated`);
  const toNode = inNs(other, ['ping', '-c', '1', '-W', '2', '192.0.2.1'], { allowFail: true });
  check(toNode.status === 0, 'pod3 -> node 192.0.2.1 ping (isolation is between networks only)');

  const httpServer = `require('http').createServer((q,s)=>s.end('hello from pod1, you are '+q.socket.remoteAddress.replace('::ffff:','')+'\\n')).listen(80,()=>console.log('up'))`;
  const child = spawn('ip', ['netns', 'exec', pods[0], process.execPath, '-e', httpServer], { stdio: ['ignore', 'pipe', 'inherit'] });
  server.pid = child.pid;
  await new Promise((resolve) => child.stdout.once('data', resolve));
  const client = `fetch('http://'+process.argv[1]+':8080/').then(r=>r.text()).then(t=>{process.stdout.write(t)},e=>{console.error(e.cause?.code??e.message);process.exit(1)})`;
  for (const target of ['192.0.2.1', '127.0.0.1']) {
    const r = inNs(node, [process.execPath, '-e', client, target], { allowFail: true });
    check(r.status === 0, `node -> ${target}:8080 (host port mapping)`, (r.stdout || r.stderr).trim());
  }
  const hairpin = inNs(pods[1], [process.execPath, '-e', client, '192.0.2.1'], { allowFail: true });
  check(hairpin.status === 0, 'pod2 -> node 192.0.2.1:8080 (pod to a host port)', (hairpin.stdout || hairpin.stderr).trim());

  step('5. CHECK');
  for (const [pod, net] of [...pods.map((p) => [p, 'demo']), [other, 'demo-other']]) {
    const r = cnitool(['check', net], pod);
    check(r.status === 0, `${pod}: cnitool check ${net}`, r.stderr.trim());
  }

  step('6. DEL');
  process.kill(server.pid);
  server.pid = undefined;
  for (const pod of pods) {
    const r = cnitool(['del', 'demo'], pod);
    check(r.status === 0, `${pod}: cnitool del demo`, r.stderr.trim());
    const lo = cnitool(['del', 'demo-lo', '-i', 'lo'], pod);
    check(lo.status === 0, `${pod}: cnitool del demo-lo`, lo.stderr.trim());
  }
  const delOther = cnitool(['del', 'demo-other'], other);
  check(delOther.status === 0, `${other}: cnitool del demo-other`, delOther.stderr.trim());

  step('7. Nothing is left behind');
  const veths = inNs(node, ['ip', '-br', 'link', 'show', 'type', 'veth']).stdout.split('\n').filter((l) => l.startsWith('veth'));
  check(veths.length === 0, 'no pod veths on the node', veths.join(' '));
  const rules = inNs(node, ['iptables-save', '-t', 'nat']).stdout.split('\n').filter((l) => /CNI-(DN-)?[0-9a-f]{10}/.test(l));
  check(rules.length === 0, 'no per-pod iptables chains or rules', rules.join(' | '));
  const podAddresses = [...addresses, otherIp.split('/')[0]];
  const forward = inNs(node, ['iptables-save', '-t', 'filter']).stdout.split('\n').filter((l) => l.startsWith('-A CNI-FORWARD') && podAddresses.some((a) => l.includes(`${a}/32`)));
  check(forward.length === 0, 'no per-pod firewall rules (CNI-FORWARD)', forward.join(' | '));
  const ipam = ['demo', 'demo-other'].flatMap((n) => readdirSync(join(state, 'ipam', n))).filter((f) => f !== 'lock' && !f.startsWith('last_reserved_ip') && !f.startsWith('.'));
  check(ipam.length === 0, 'no IP reservations (host-local dataDir)', ipam.join(' '));
  const records = ['portmap', 'firewall'].flatMap((d) => {
    try {
      return readdirSync(join(state, d), { recursive: true }).filter((f) => String(f).includes(':'));
    } catch {
      return [];
    }
  });
  check(records.length === 0, 'no portmap or firewall records', records.join(' '));
  let saved = [];
  try {
    saved = readdirSync(join(state, 'tuning'));
  } catch {}
  check(saved.length === 0, 'no saved tuning values (restored on DEL)', saved.join(' '));
  let cached = [];
  try {
    cached = readdirSync(join(state, 'cache', 'results'));
  } catch {}
  check(cached.length === 0, 'no cached results', cached.join(' '));
} catch (e) {
  failures++;
  console.error(red(`\ndemo failed: ${e.message}`));
} finally {
  cleanup();
  const left = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.includes(id));
  check(left.length === 0, 'throwaway namespaces and temporary state removed');
}

console.log(failures ? red(`\n${failures} check(s) failed`) : green('\nThe suite works: two pods networked, a host port mapped, a third network isolated, everything removed.'));
process.exit(failures ? 1 : 0);
