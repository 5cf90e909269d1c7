// host-local: allocation, result shapes per version, distinct addresses under parallel ADDs,
// release on every DEL variant, exhaustion, CHECK, requested IPs, GC and STATUS
// (reference-plugins.md 3). Release is judged by behaviour (the address can be handed out
// again), not by the on-disk layout.
import { cidrFamily, resultAddresses } from '../shape.ts';
import { ensure, expectError, expectQuietSuccess, expectResult, expectSuccess, fail } from '../expect.ts';
import { addNetwork, checkNetwork, delNetwork, gcNetwork, requestConf, statusNetwork, type Attachment, type Network } from '../network.ts';
import type { Check, CheckContext } from '../types.ts';
import { SPEC_VERSIONS, versionsFrom, type SpecVersion } from '../versions.ts';
import { newPod } from './fixtures.ts';

const SUBNET = '10.77.0.0/24';

function hlNet(ctx: CheckContext, ipam: Record<string, unknown> = {}, version: SpecVersion = ctx.version): Network {
  return {
    name: 'conformance-net',
    cniVersion: version,
    plugins: [{ conf: { type: 'host-local', ipam: { type: 'host-local', subnet: SUBNET, dataDir: ctx.dataDir, ...ipam } }, binary: ctx.bin('host-local') }],
  };
}

async function addRaw(ctx: CheckContext, net: Network, att: Attachment) {
  return ctx.call(net.plugins[0]!.binary, { command: 'ADD', stdin: requestConf(net, net.plugins[0]!), containerId: att.containerId, netns: att.netns, ifname: att.ifname, ...(att.args ? { args: att.args } : {}) });
}

function onlyAddress(r: unknown, what: string): string {
  const addrs = resultAddresses(r);
  ensure(addrs.length === 1, `${what}: expected one address, got ${addrs.join(', ') || 'none'}`);
  return addrs[0] as string;
}

function ipOf(cidr: string): string {
  return cidr.split('/')[0] as string;
}

const base = { plugins: ['host-local'], requires: ['root'] } as const;

/** The host-local checks. */
export const HOST_LOCAL_CHECKS: readonly Check[] = [
  {
    ...base,
    id: 'host-local/add',
    title: 'ADD allocates an address of the subnet with its gateway and routes, in the config version shape, without interfaces',
    versions: SPEC_VERSIONS,
    async run(ctx) {
      const net = hlNet(ctx, { routes: [{ dst: '0.0.0.0/0' }] });
      const pod = newPod(ctx);
      const r = expectResult(await addRaw(ctx, net, pod), ctx.version, 'host-local ADD', { ipam: true });
      const addr = onlyAddress(r, 'host-local ADD');
      ensure(/^10\.77\.0\.\d+\/24$/.test(addr), `address ${addr} is not in ${SUBNET} with its prefix`);
      ensure(addr !== '10.77.0.0/24' && addr !== '10.77.0.1/24' && addr !== '10.77.0.255/24', `address ${addr} is the network, gateway or broadcast address`);
      const legacy = r.ip4 as Record<string, unknown> | undefined;
      const gateway = legacy ? legacy.gateway : (r.ips as Record<string, unknown>[])[0]?.gateway;
      ensure(gateway === '10.77.0.1', `gateway is ${JSON.stringify(gateway)}, expected 10.77.0.1 (the subnet's first address)`);
      const routes = (legacy ? legacy.routes : r.routes) as { dst: string }[] | undefined;
      ensure(routes?.some((rt) => rt.dst === '0.0.0.0/0'), `the configured route 0.0.0.0/0 is missing: ${JSON.stringify(routes)}`);
      await delNetwork(ctx, net, pod, { prevResult: r });
    },
  },
  {
    ...base,
    id: 'host-local/dual-stack',
    title: 'two range sets (IPv4 and IPv6) give one address of each family',
    versions: SPEC_VERSIONS,
    async run(ctx) {
      const net = hlNet(ctx, { subnet: undefined, ranges: [[{ subnet: SUBNET }], [{ subnet: 'fd00:77::/64' }]] });
      const pod = newPod(ctx);
      const r = expectResult(await addRaw(ctx, net, pod), ctx.version, 'host-local ADD', { ipam: true });
      const fams = resultAddresses(r).map(cidrFamily).sort();
      ensure(fams.join() === '4,6', `expected one IPv4 and one IPv6 address, got ${resultAddresses(r).join(', ')}`);
      await delNetwork(ctx, net, pod, { prevResult: r });
    },
  },
  {
    ...base,
    id: 'host-local/distinct',
    title: 'different containers, and two interfaces of one container, get different addresses',
    async run(ctx) {
      const net = hlNet(ctx);
      const a = newPod(ctx);
      const b = newPod(ctx);
      const a2 = { ...a, ifname: 'net1' };
      const addrs = [];
      for (const att of [a, b, a2]) addrs.push(onlyAddress(await addNetwork(ctx, net, att), `ADD ${att.containerId}/${att.ifname}`));
      ensure(new Set(addrs).size === 3, `addresses are not distinct: ${addrs.join(', ')}`);
    },
  },
  {
    ...base,
    id: 'host-local/add-twice',
    title: 'a second ADD of the same container and interface fails',
    async run(ctx) {
      const net = hlNet(ctx);
      const pod = newPod(ctx);
      await addNetwork(ctx, net, pod);
      expectError(await addRaw(ctx, net, pod), undefined, 'the second ADD');
    },
  },
  {
    ...base,
    id: 'host-local/parallel-adds',
    title: '16 parallel ADDs get 16 distinct addresses, and parallel DELs release them all',
    async run(ctx) {
      // a /27 holds 29 allocatable addresses: a second round of 16 only fits if the first was released
      const net = hlNet(ctx, { subnet: '10.77.0.0/27' });
      for (const round of [1, 2]) {
        const pods = Array.from({ length: 16 }, () => newPod(ctx));
        const results = await Promise.all(pods.map((p) => addNetwork(ctx, net, p)));
        const addrs = results.map((r, i) => onlyAddress(r, `ADD ${i}`));
        ensure(new Set(addrs).size === 16, `round ${round}: duplicate addresses: ${addrs.sort().join(', ')}`);
        await Promise.all(pods.map((p, i) => delNetwork(ctx, net, p, { prevResult: results[i] })));
      }
    },
  },
  {
    ...base,
    id: 'host-local/del-releases',
    title: 'DEL releases the address: with prevResult, without it, with CNI_NETNS empty or unset; repeated and unknown DELs succeed',
    async run(ctx) {
      // a /30 has exactly one allocatable address, so every ADD after the first proves a release
      const net = hlNet(ctx, { subnet: '10.77.0.0/30' });
      const variants: [string, (p: Attachment, r: unknown) => Promise<void>][] = [
        ['with prevResult', (p, r) => delNetwork(ctx, net, p, { prevResult: r })],
        ['without prevResult', (p) => delNetwork(ctx, net, p)],
        ['with CNI_NETNS empty', (p, r) => delNetwork(ctx, net, p, { prevResult: r, netns: '' })],
        ['with CNI_NETNS unset', (p, r) => delNetwork(ctx, net, p, { prevResult: r, netns: null })],
      ];
      let previous: string | undefined;
      for (const [label, del] of variants) {
        const pod = newPod(ctx);
        const inv = await addRaw(ctx, net, pod);
        if (inv.code !== 0) fail(previous ? `DEL ${previous} did not release the address: the next ADD failed: ${inv.stdout.trim()}` : `ADD failed: ${inv.stdout.trim()}`);
        await del(pod, inv.json);
        await del(pod, inv.json); // again: idempotent
        previous = label;
      }
      const never = newPod(ctx);
      await delNetwork(ctx, net, never);
      expectSuccess(await addRaw(ctx, net, newPod(ctx)), 'ADD after the last DEL (address not released)');
    },
  },
  {
    ...base,
    id: 'host-local/exhaustion',
    title: 'ADD on an exhausted range fails with an error, and succeeds once an address is released',
    async run(ctx) {
      const net = hlNet(ctx, { subnet: '10.77.0.0/30' });
      const a = newPod(ctx);
      const b = newPod(ctx);
      const ra = await addNetwork(ctx, net, a);
      expectError(await addRaw(ctx, net, b), undefined, 'ADD on an exhausted range');
      await delNetwork(ctx, net, b);
      await delNetwork(ctx, net, a, { prevResult: ra });
      expectSuccess(await addRaw(ctx, net, b), 'ADD after the release');
    },
  },
  {
    ...base,
    id: 'host-local/check',
    title: 'CHECK passes after ADD and fails after DEL',
    versions: versionsFrom('0.4.0'),
    async run(ctx) {
      const net = hlNet(ctx);
      const pod = newPod(ctx);
      const r = await addNetwork(ctx, net, pod);
      expectQuietSuccess((await checkNetwork(ctx, net, pod, { prevResult: r }))[0]!, 'CHECK after ADD');
      await delNetwork(ctx, net, pod, { prevResult: r });
      expectError((await checkNetwork(ctx, net, pod, { prevResult: r }))[0]!, undefined, 'CHECK after DEL');
    },
  },
  {
    ...base,
    id: 'host-local/check-prevresult',
    title: 'CHECK fails when prevResult lists an address the container does not hold',
    versions: versionsFrom('0.4.0'),
    expectedFailures: [{ impl: 'go', issue: 'none upstream (reference-plugins.md 3.4)', why: 'host-local CHECK only looks for any reservation of the container ID and ignores the prevResult addresses' }],
    async run(ctx) {
      const net = hlNet(ctx);
      const pod = newPod(ctx);
      const r = await addNetwork(ctx, net, pod);
      const held = onlyAddress(r, 'ADD');
      const other = held === '10.77.0.200/24' ? '10.77.0.201/24' : '10.77.0.200/24';
      const forged = JSON.parse(JSON.stringify(r).split(held).join(other)) as unknown;
      expectError((await checkNetwork(ctx, net, pod, { prevResult: forged }))[0]!, undefined, `CHECK with prevResult listing ${other} instead of ${held}`);
    },
  },
  {
    ...base,
    id: 'host-local/requested-ip',
    title: 'a specific address requested with CNI_ARGS IP= is allocated, and a taken one is refused',
    async run(ctx) {
      const net = hlNet(ctx);
      const a = { ...newPod(ctx), args: 'IgnoreUnknown=1;IP=10.77.0.9' };
      const r = await addNetwork(ctx, net, a);
      ensure(onlyAddress(r, 'ADD with IP=10.77.0.9') === '10.77.0.9/24', `got ${resultAddresses(r).join(', ')}, expected 10.77.0.9/24`);
      const b = { ...newPod(ctx), args: 'IgnoreUnknown=1;IP=10.77.0.9' };
      expectError(await addRaw(ctx, net, b), undefined, 'ADD requesting an address already taken');
    },
  },
  {
    ...base,
    id: 'host-local/gc',
    title: 'GC releases the addresses of attachments not listed and keeps the listed ones',
    versions: ['1.1.0'],
    expectedFailures: [{ impl: 'go', issue: 'plugins#1047', why: 'host-local does not implement GC (silent success)' }],
    async run(ctx) {
      const net = hlNet(ctx);
      const keep = newPod(ctx);
      const stale = newPod(ctx);
      const rk = await addNetwork(ctx, net, keep);
      const rs = await addNetwork(ctx, net, stale);
      const kept = ipOf(onlyAddress(rk, 'ADD'));
      const freed = ipOf(onlyAddress(rs, 'ADD'));
      expectQuietSuccess((await gcNetwork(ctx, net, [keep]))[0]!, 'GC');
      expectSuccess(await addRaw(ctx, net, { ...newPod(ctx), args: `IgnoreUnknown=1;IP=${freed}` }), `ADD requesting ${freed} after GC (not released)`);
      expectError(await addRaw(ctx, net, { ...newPod(ctx), args: `IgnoreUnknown=1;IP=${kept}` }), undefined, `ADD requesting ${kept}, which GC should have kept`);
      expectQuietSuccess((await checkNetwork(ctx, net, keep, { prevResult: rk }))[0]!, 'CHECK of the kept attachment after GC');
    },
  },
  {
    ...base,
    id: 'host-local/status',
    title: 'STATUS succeeds quietly when the range has free addresses',
    versions: ['1.1.0'],
    async run(ctx) {
      expectQuietSuccess((await statusNetwork(ctx, hlNet(ctx)))[0]!, 'STATUS');
    },
  },
];
