import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIST_BIN, GO_PLUGIN_DIR, type PluginOutcome, hasGoPlugin, runPluginBinary } from '../../lib/testing/index.ts';

// Ours against Debian's Go static (/usr/lib/cni/static, plugins 1.1.1, whose static behaves as
// v1.9.1's: only skel changed): the same stdin and CNI_ARGS give the same result JSON, and the
// inputs where they differ are listed with what each does. Debian's speaks up to 1.0.0.

const GO = join(GO_PLUGIN_DIR, 'static');
const OURS = join(DIST_BIN, 'static');
const haveGo = hasGoPlugin('static');
if (!haveGo) console.warn(`skipping static comparison: ${GO} is not installed (apt install containernetworking-plugins)`);

function run(binary: string, command: string, config: unknown, args?: string): Promise<PluginOutcome> {
  return runPluginBinary(binary, { command, config, containerId: 'ctr1', ifname: 'eth0', netns: '/dev/null', ...(args === undefined ? {} : { args }) });
}

/** Go always prints `"dns": {}`; ours leaves an empty dns out (the same thing to every reader). */
function normalised(result: Record<string, unknown>): Record<string, unknown> {
  const { dns, ...rest } = result;
  return dns && Object.keys(dns).length ? { ...rest, dns } : rest;
}

const net = (ipam: Record<string, unknown>, extra: Record<string, unknown> = {}, cniVersion = '1.0.0') => ({ cniVersion, name: 'cmp', type: 'bridge', ipam: { type: 'static', ...ipam }, ...extra });
const full = {
  addresses: [{ address: '10.10.0.1/24', gateway: '10.10.0.254' }, { address: '3ffe:ffff:0:01ff::1/64', gateway: '3ffe:ffff:0::1' }],
  routes: [{ dst: '0.0.0.0/0' }, { dst: '192.168.0.0/16', gw: '10.10.5.1' }, { dst: '3ffe:ffff:0:01ff::1/64', gw: '3ffe:ffff:0::1' }],
  dns: { nameservers: ['8.8.8.8'], domain: 'example.com', search: ['example.com'], options: ['ndots:2'] },
};

const same: [string, Record<string, unknown>, string | undefined][] = [
  ['addresses, routes and dns (IPv6 written long)', net(full), undefined],
  ['0.4.0', net(full, {}, '0.4.0'), undefined],
  ['0.3.1', net(full, {}, '0.3.1'), undefined],
  ['0.2.0, one address per family', net(full, {}, '0.2.0'), undefined],
  ['0.1.0, one IPv4 address', net({ addresses: [{ address: '10.10.0.1/24', gateway: '10.10.0.254' }], routes: [{ dst: '0.0.0.0/0' }] }, {}, '0.1.0'), undefined],
  ['CNI_ARGS IP appended; GATEWAY only to the CNI_ARGS addresses', net({ addresses: [{ address: '10.10.0.1/24' }] }), 'IP=10.10.0.3/24,11.11.0.3/24;GATEWAY=10.10.0.254,11.11.0.1'],
  ['CNI_ARGS with IgnoreUnknown and runtime keys', net({}), 'IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p;IP=10.10.0.3/24'],
  ['CNI_ARGS IgnoreUnknown=true, a GATEWAY in no subnet', net({}), 'IgnoreUnknown=true;foo=bar;IP=fd00::3/64;GATEWAY=10.0.0.1'],
  ['args.cni.ips replaces', net(full, { args: { cni: { ips: ['10.10.0.2/24', '3ffe:ffff:0:01ff::2/64'] } } }), 'IP=10.10.0.3/24;GATEWAY=10.10.0.254'],
  ['runtimeConfig.ips replaces everything', net(full, { capabilities: { ips: true }, runtimeConfig: { ips: ['10.10.0.1/24'] }, args: { cni: { ips: ['10.10.0.2/24'] } } }), 'IP=10.10.0.3/24'],
  ['empty capability and args lists replace nothing', net(full, { runtimeConfig: { ips: [] }, args: { cni: { ips: [] } } }), undefined],
  ['an IPv4-mapped address read as IPv4', net({ addresses: [{ address: '::ffff:10.0.0.5/120', gateway: '::ffff:10.0.0.1' }] }), undefined],
  ['host bits kept in addresses and route destinations', net({ addresses: [{ address: '10.0.0.5/8' }], routes: [{ dst: '10.1.2.3/8', gw: '10.0.0.1' }] }), undefined],
  ['an empty gateway is none', net({ addresses: [{ address: '10.0.0.5/24', gateway: '' }] }), undefined],
];

/** Both refuse: Go with 999 and its own words, ours with the code given, naming the key. */
const bothFail: [string, Record<string, unknown>, string | undefined, number][] = [
  ['an address without prefix', net({ addresses: [{ address: '10.10.0.1' }] }), undefined, 7],
  ['a prefix of 99', net({ addresses: [{ address: '10.10.0.1/99' }] }), undefined, 7],
  ['a gateway that is not an address', net({ addresses: [{ address: '10.10.0.1/24', gateway: 'gw' }] }), undefined, 7],
  ['addresses of the wrong type', net({ addresses: '10.10.0.1/24' }), undefined, 7],
  ['an address of the wrong type', net({ addresses: [{ address: 5 }] }), undefined, 7],
  ['a route dst without prefix', net({ addresses: [{ address: '10.10.0.1/24' }], routes: [{ dst: '0.0.0.0' }] }), undefined, 7],
  ['a bare CNI_ARGS IP (as podman passes)', net({}), 'IP=10.10.0.1', 4],
  ['a CNI_ARGS GATEWAY that is not an address', net({}), 'IP=10.10.0.1/24;GATEWAY=x', 4],
  ['a bare args.cni.ips entry', net({}, { args: { cni: { ips: ['10.10.0.1'] } } }), undefined, 7],
  ['a bare runtimeConfig.ips entry', net({}, { runtimeConfig: { ips: ['10.10.0.1'] } }), undefined, 7],
  ['two IPv4 addresses under 0.2.0', net({ addresses: [{ address: '10.10.0.1/24' }, { address: '10.11.0.1/24' }] }, {}, '0.2.0'), undefined, 7],
  ['no ipam section', { cniVersion: '1.0.0', name: 'cmp', type: 'bridge' }, undefined, 7],
];

/** Where ours and Go's part ways on purpose (README, static): Go's outcome, then ours. */
const differs: [string, Record<string, unknown>, string | undefined, 'go ok' | 'go fails', number | 'ok'][] = [
  ['route mtu, priority, table (Debian\'s 1.1.1 drops them; v1.9.1 and ours return them)', net({ addresses: [{ address: '10.0.0.5/8' }], routes: [{ dst: '0.0.0.0/0', mtu: 1400, priority: 5, table: 100 }] }), undefined, 'go ok', 'ok'],
  ['no addresses at all (Go: an empty result the interface plugin then refuses)', net({ routes: [{ dst: '0.0.0.0/0' }] }), undefined, 'go ok', 7],
  ['an unknown CNI_ARGS key without IgnoreUnknown (Go: "ARGS: unknown args"; ours ignores it, as our other plugins do)', net(full), 'K8S_POD_NAME=p', 'go fails', 'ok'],
  ['an empty CNI_ARGS segment (Go: "ARGS: invalid pair")', net(full), 'IP=10.10.0.3/24;', 'go fails', 'ok'],
  ['a trailing comma in CNI_ARGS IP (Go: "" is not a CIDR)', net({}), 'IP=10.10.0.3/24,', 'go fails', 'ok'],
  ['an IPv4-mapped address with a prefix under 96 (Go: "10.0.0.6/0")', net({ addresses: [{ address: '::ffff:10.0.0.6/64' }] }), undefined, 'go ok', 7],
  ['a gateway of the other family', net({ addresses: [{ address: '10.0.0.6/24', gateway: 'fd00::1' }] }), undefined, 'go ok', 7],
  ['a prefix with a leading zero', net({ addresses: [{ address: '10.0.0.6/024' }] }), undefined, 'go ok', 7],
  ['a bad configured address that runtimeConfig.ips overrides (Go never parses it)', net({ addresses: [{ address: 'junk' }] }, { runtimeConfig: { ips: ['10.0.0.6/24'] } }), undefined, 'go ok', 7],
];

describe.skipIf(!haveGo)('static: ours and Go\'s compared', () => {
  it.each(same)('same result: %s', async (_what, config, args) => {
    const [go, ours] = await Promise.all([run(GO, 'ADD', config, args), run(OURS, 'ADD', config, args)]);
    expect(go.code, go.stdout).toBe(0);
    expect(ours.code, ours.stdout).toBe(0);
    expect(normalised(ours.json)).toEqual(normalised(go.json));
  });

  it.each(bothFail)('both refuse: %s', async (_what, config, args, code) => {
    const [go, ours] = await Promise.all([run(GO, 'ADD', config, args), run(OURS, 'ADD', config, args)]);
    expect(go.code).toBe(1);
    expect(ours.code).toBe(1);
    expect(go.json.code).toBe(999);
    expect(ours.json.code).toBe(code);
  });

  it.each(differs)('differs: %s', async (_what, config, args, goOutcome, oursOutcome) => {
    const [go, ours] = await Promise.all([run(GO, 'ADD', config, args), run(OURS, 'ADD', config, args)]);
    expect(go.code, go.stdout).toBe(goOutcome === 'go ok' ? 0 : 1);
    if (oursOutcome === 'ok') {
      expect(ours.code, ours.stdout).toBe(0);
    } else {
      expect(ours.code).toBe(1);
      expect(ours.json.code).toBe(oursOutcome);
    }
  });

  it('CHECK and DEL by either of the other\'s ADD result succeed', async () => {
    const config = net(full);
    for (const [adder, other] of [[GO, OURS], [OURS, GO]] as const) {
      const added = await run(adder, 'ADD', config);
      expect(added.code).toBe(0);
      expect((await run(other, 'CHECK', { ...config, prevResult: added.json })).code).toBe(0);
      expect((await run(other, 'DEL', config)).code).toBe(0);
    }
  });

  it('CHECK: both refuse a changed gateway; only ours refuses a configured address missing from prevResult', async () => {
    const config = net(full);
    const added = (await run(GO, 'ADD', config)).json;
    const otherGw = { ...added, ips: [{ ...added.ips[0], gateway: '10.10.0.253' }, added.ips[1]] };
    expect((await run(GO, 'CHECK', { ...config, prevResult: otherGw })).code).toBe(1);
    expect((await run(OURS, 'CHECK', { ...config, prevResult: otherGw })).code).toBe(1);
    const missing = { ...added, ips: added.ips.slice(1) };
    expect((await run(GO, 'CHECK', { ...config, prevResult: missing })).code).toBe(0);
    expect((await run(OURS, 'CHECK', { ...config, prevResult: missing })).code).toBe(1);
  });
});
