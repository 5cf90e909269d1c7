import { describe, expect, it } from 'vitest';
import { ipToString } from '../addr/index.ts';
import { CniError, type NetConf, parseCniArgs } from '../cni/index.ts';
import { DEFAULT_DATA_DIR, parseConfig, parseStoreLocation } from './config.ts';
import { rangeSetToString } from './range-set.ts';

function conf(ipam: unknown, extra: Record<string, unknown> = {}): NetConf {
  return { cniVersion: '1.1.0', name: 'net1', ipam, ...extra } as NetConf;
}

function failure(fn: () => unknown): CniError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CniError) return e;
    throw e;
  }
  throw new Error('expected a CniError');
}

describe('parseConfig: ranges', () => {
  it('fills in the Go defaults: gateway and start = network + 1, end = broadcast - 1 (IPv4) or last (IPv6)', () => {
    const c = parseConfig(conf({ ranges: [[{ subnet: '10.1.0.0/24' }], [{ subnet: '2001:db8::/120' }]] }), '1.1.0');
    expect(c.rangeSets.map(rangeSetToString)).toEqual(['10.1.0.1-10.1.0.254', '2001:db8::1-2001:db8::ff']);
    expect(c.rangeSets.map((s) => ipToString(s[0]!.gateway))).toEqual(['10.1.0.1', '2001:db8::1']);
    expect(c.dataDir).toBe(DEFAULT_DATA_DIR);
    expect(c.network).toBe('net1');
  });

  it('orders range sets: ipRanges capability, then the legacy subnet, then ranges', () => {
    const c = parseConfig(
      conf(
        { subnet: '10.2.0.0/24', rangeStart: '10.2.0.10', rangeEnd: '10.2.0.20', gateway: '10.2.0.254', ranges: [[{ subnet: '10.3.0.0/24' }]] },
        { runtimeConfig: { ipRanges: [[{ subnet: '10.1.0.0/24' }, { subnet: '10.4.0.0/24' }]] } },
      ),
      '1.1.0',
    );
    expect(c.rangeSets.map(rangeSetToString)).toEqual(['10.1.0.1-10.1.0.254,10.4.0.1-10.4.0.254', '10.2.0.10-10.2.0.20', '10.3.0.1-10.3.0.254']);
    expect(ipToString(c.rangeSets[1]![0]!.gateway)).toBe('10.2.0.254');
  });

  it('keeps dataDir, resolvConf and canonical routes', () => {
    const c = parseConfig(
      conf({
        subnet: '10.1.0.0/16',
        dataDir: '/run/cni/ipam',
        resolvConf: '/etc/resolv.conf',
        routes: [{ dst: '0.0.0.0/0' }, { dst: '2001:DB8::/32', gw: '2001:db8:0::1', priority: 5 }],
      }),
      '1.1.0',
    );
    expect(c.dataDir).toBe('/run/cni/ipam');
    expect(c.resolvConf).toBe('/etc/resolv.conf');
    expect(c.routes).toEqual([{ dst: '0.0.0.0/0' }, { dst: '2001:db8::/32', gw: '2001:db8::1', priority: 5 }]);
  });

  // [ipam, extra top-level keys, cniVersion, what the message must contain]
  it.each([
    [undefined, {}, '1.1.0', ['missing "ipam"']],
    ['x', {}, '1.1.0', ['ipam', '"x"']],
    [{}, {}, '1.1.0', ['no IP ranges specified']],
    [{ ranges: [] }, {}, '1.1.0', ['no IP ranges specified']],
    [{ ranges: [[]] }, {}, '1.1.0', ['ipam.ranges[0]', 'empty']],
    [{ ranges: {} }, {}, '1.1.0', ['ipam.ranges', '{}']],
    [{ subnet: 'not-a-subnet' }, {}, '1.1.0', ['ipam.subnet', '"not-a-subnet"']],
    [{ subnet: '10.203.0.0/33' }, {}, '1.1.0', ['ipam.subnet', '"10.203.0.0/33"']],
    [{ subnet: 10 }, {}, '1.1.0', ['ipam.subnet', '10']],
    [{ subnet: '10.1.0.5/16' }, {}, '1.1.0', ['ipam.subnet', '"10.1.0.5/16"', 'host bits', '10.1.0.0']],
    [{ subnet: '10.1.0.0/31' }, {}, '1.1.0', ['ipam.subnet', 'too small to allocate from']],
    [{ subnet: '10.1.0.0/32' }, {}, '1.1.0', ['too small']],
    [{ ranges: [[{ subnet: '2001:db8::/127' }]] }, {}, '1.1.0', ['ipam.ranges[0][0].subnet', 'too small']],
    [{ subnet: '10.1.0.0/24', rangeStart: '10.2.0.1' }, {}, '1.1.0', ['ipam.rangeStart', '"10.2.0.1"', 'not in network 10.1.0.0/24']],
    [{ subnet: '10.1.0.0/24', rangeEnd: '10.1.1.0' }, {}, '1.1.0', ['ipam.rangeEnd', '"10.1.1.0"']],
    [{ subnet: '10.1.0.0/24', gateway: '2001:db8::1' }, {}, '1.1.0', ['ipam.gateway', '"2001:db8::1"', 'IPv6 address', 'is IPv4']],
    [{ ranges: [[{ subnet: '2001:db8::/64', gateway: '10.1.0.1' }]] }, {}, '1.1.0', ['ipam.ranges[0][0].gateway', 'IPv4 address']],
    [{ subnet: '10.1.0.0/24', rangeStart: '10.1.0.9', rangeEnd: '10.1.0.5' }, {}, '1.1.0', ['ipam.rangeEnd', '"10.1.0.5"', 'before rangeStart']],
    [{ subnet: '10.1.0.0/24', rangeStart: 'x' }, {}, '1.1.0', ['ipam.rangeStart', '"x"']],
    [{ ranges: [[{ subnet: '10.1.0.0/24' }, { subnet: '2001:db8::/64' }]] }, {}, '1.1.0', ['ipam.ranges[0][1].subnet', 'mixed address families']],
    [{ ranges: [[{ subnet: '10.1.0.0/24' }, { subnet: '10.1.0.0/25' }]] }, {}, '1.1.0', ['ipam.ranges[0][0]', 'ipam.ranges[0][1]', 'overlap']],
    [{ ranges: [[{ subnet: '10.1.0.0/24' }], [{ subnet: '10.1.0.0/25' }]] }, {}, '1.1.0', ['ipam.ranges[0]', 'overlaps with ipam.ranges[1]']],
    [{ subnet: '10.1.0.0/24', ranges: [[{ subnet: '10.1.0.0/24' }]] }, {}, '1.1.0', ['ipam.subnet', 'overlaps with ipam.ranges[0]']],
    [{ ranges: [[{ subnet: '10.1.0.0/24' }], [{ subnet: '10.2.0.0/24' }]] }, {}, '0.2.0', ['0.2.0 does not support more than 1 address per family']],
    [{ subnet: '10.1.0.0/24' }, { runtimeConfig: { ipRanges: [[{ subnet: '10.1.0.0/26' }]] } }, '1.1.0', ['runtimeConfig.ipRanges[0]', 'overlaps']],
    [{ subnet: '10.1.0.0/24', routes: [{ dst: '0.0.0.0' }] }, {}, '1.1.0', ['ipam.routes[0]']],
    [{ subnet: '10.1.0.0/24', routes: [{ dst: '0.0.0.0/0', gw: 'nope' }] }, {}, '1.1.0', ['ipam.routes[0]', 'nope']],
    [{ subnet: '10.1.0.0/24', dataDir: 5 }, {}, '1.1.0', ['ipam.dataDir', '5']],
    [{ subnet: '10.1.0.0/24', dataDir: 'a\0b' }, {}, '1.1.0', ['ipam.dataDir', 'NUL']],
    [{ subnet: '10.1.0.0/24' }, { args: { cni: { ips: ['10.1.0.x'] } } }, '1.1.0', ['args.cni.ips[0]', '"10.1.0.x"']],
    [{ subnet: '10.1.0.0/24' }, { runtimeConfig: { ips: 'x' } }, '1.1.0', ['runtimeConfig.ips', '"x"']],
  ] as const)('rejects ipam %j %j with code 7', (ipam, extra, version, needles) => {
    const err = failure(() => parseConfig(conf(ipam, extra), version));
    expect(err.code).toBe(7);
    for (const n of needles) expect(err.message).toContain(n);
  });

  it('accepts a gateway outside the subnet as Go does since v0.8.0, with a warning naming it', () => {
    const c = parseConfig(conf({ ranges: [[{ subnet: '10.1.0.0/24', gateway: '10.2.0.1' }], [{ subnet: '10.3.0.0/24' }]] }), '1.1.0');
    expect(ipToString(c.rangeSets[0]![0]!.gateway)).toBe('10.2.0.1');
    expect(c.warnings).toEqual(['host-local: gateway 10.2.0.1 is not in network 10.1.0.0/24; using it as given']);
    expect(parseConfig(conf({ subnet: '10.1.0.0/24', gateway: '10.1.0.254' }), '1.1.0').warnings).toEqual([]);
  });

  it.each([
    [{ ranges: [[]] }, {}, 'invalid ipam.ranges[0] []: expected a non-empty array of ranges'],
    [{ subnet: 10 }, {}, 'invalid ipam.subnet 10: expected a CIDR string such as "10.1.0.0/16"'],
    [{ subnet: '10.1.0.0/24', routes: [{ gw: '10.1.0.1' }] }, {}, 'missing ipam.routes[0].dst: expected a CIDR string'],
    [{ subnet: '10.1.0.0/24', routes: [{ dst: '0.0.0.0/0', mtu: 'x' }] }, {}, 'invalid ipam.routes[0].mtu "x": expected an integer'],
    [{ subnet: '10.1.0.0/24' }, { runtimeConfig: { ipRanges: [[{ subnet: '10.2.0.0/24', gateway: 1 }]] } }, 'invalid runtimeConfig.ipRanges[0][0].gateway 1: expected an IP address string'],
  ] as const)('names the key path, the value and what was expected: %j %j', (ipam, extra, message) => {
    expect(failure(() => parseConfig(conf(ipam, extra), '1.1.0'))).toMatchObject({ code: 7, message });
  });

  it('takes null as absent and accepts keys it does not know', () => {
    const c = parseConfig(conf({ subnet: '10.1.0.0/24', gateway: null, dataDir: null, rangeBegin: 'x' }, { runtimeConfig: { ips: null } }), '1.1.0');
    expect([ipToString(c.rangeSets[0]![0]!.gateway), c.dataDir, c.requestedIps]).toEqual(['10.1.0.1', DEFAULT_DATA_DIR, []]);
  });

  it('accepts two range sets of one family from 0.3.0 on, and one per family before', () => {
    expect(parseConfig(conf({ ranges: [[{ subnet: '10.1.0.0/24' }], [{ subnet: '10.2.0.0/24' }]] }), '0.3.0').rangeSets).toHaveLength(2);
    expect(parseConfig(conf({ ranges: [[{ subnet: '10.1.0.0/24' }], [{ subnet: '2001:db8::/64' }]] }), '0.2.0').rangeSets).toHaveLength(2);
  });
});

describe('parseConfig: requested addresses', () => {
  it('unions CNI_ARGS IP (prefix ignored), args.cni.ips and runtimeConfig.ips without duplicates', () => {
    const c = parseConfig(
      conf({ subnet: '10.1.0.0/24' }, { args: { cni: { ips: ['10.1.0.7', '2001:db8::7/64'] } }, runtimeConfig: { ips: ['10.1.0.8/24', '10.1.0.7'] } }),
      '1.1.0',
      parseCniArgs('IgnoreUnknown=1;IP=10.1.0.6/24;K8S_POD_NAME=x'),
    );
    expect(c.requestedIps.map(ipToString)).toEqual(['10.1.0.6', '10.1.0.7', '2001:db8::7', '10.1.0.8']);
  });

  it('treats an IPv4-mapped request as IPv4, as Go does', () => {
    const c = parseConfig(conf({ subnet: '10.1.0.0/24' }, { runtimeConfig: { ips: ['::ffff:10.1.0.9'] } }), '1.1.0');
    expect(c.requestedIps.map((ip) => [ip.family, ipToString(ip)])).toEqual([[4, '10.1.0.9']]);
  });

  it('reports a bad CNI_ARGS IP as an environment error (code 4)', () => {
    const err = failure(() => parseConfig(conf({ subnet: '10.1.0.0/24' }), '1.1.0', parseCniArgs('IP=10.1.0')));
    expect(err.code).toBe(4);
    expect(err.message).toContain('CNI_ARGS IP "10.1.0"');
  });
});

describe('parseStoreLocation', () => {
  it('needs only the name and dataDir, so DEL works when ranges no longer validate', () => {
    expect(parseStoreLocation(conf({ subnet: 'garbage', dataDir: '/d' }))).toEqual({ network: 'net1', dataDir: '/d' });
  });

  it.each(['..', '.', 'a/b', 'a\0b', 'x'.repeat(256)])('rejects network name %j that could leave dataDir', (name) => {
    const err = failure(() => parseStoreLocation({ name, ipam: {} } as NetConf));
    expect(err.code).toBe(7);
    expect(err.message).toContain('name');
  });
});

describe('issue 17: relative dataDir, requested addresses with a prefix out of range', () => {
  it.each(['var/lib/cni', './data', '../data', ''.concat('data')])('refuses a relative dataDir %j with code 7, also where DEL and GC locate the store', (dataDir) => {
    for (const err of [failure(() => parseConfig(conf({ subnet: '10.1.0.0/24', dataDir }), '1.1.0')), failure(() => parseStoreLocation(conf({ subnet: '10.1.0.0/24', dataDir })))]) {
      expect(err.code).toBe(7);
      expect(err.message).toContain(`ipam.dataDir ${JSON.stringify(dataDir)}`);
      expect(err.message).toMatch(/absolute path/);
    }
  });

  it.each(['10.1.0.6/99', '10.1.0.6/33', '10.1.0.6/', '10.1.0.6/x', '10.1.0.6/-1', '2001:db8::7/129', '10.1.0.6/24/1'])('refuses CNI_ARGS IP %j (code 4, it is an environment variable)', (ip) => {
    const err = failure(() => parseConfig(conf({ subnet: '10.1.0.0/24' }), '1.1.0', parseCniArgs(`IP=${ip}`)));
    expect(err.code).toBe(4);
    expect(err.message).toContain(`CNI_ARGS IP ${JSON.stringify(ip)}`);
  });

  it.each([
    [{ args: { cni: { ips: ['10.1.0.7/99'] } } }, 'args.cni.ips[0] "10.1.0.7/99"'],
    [{ runtimeConfig: { ips: ['2001:db8::7/200'] } }, 'runtimeConfig.ips[0] "2001:db8::7/200"'],
  ])('refuses a prefix out of range in %j with code 7', (extra, needle) => {
    const err = failure(() => parseConfig(conf({ subnet: '10.1.0.0/24' }, extra), '1.1.0'));
    expect(err.code).toBe(7);
    expect(err.message).toContain(needle);
    expect(err.message).toMatch(/prefix length must be 0-(32|128)/);
  });

  it('still accepts in-range prefixes (and ignores them, as Go does)', () => {
    const c = parseConfig(conf({ subnet: '10.1.0.0/24' }, { runtimeConfig: { ips: ['10.1.0.8/32', '10.1.0.9/0'] } }), '1.1.0', parseCniArgs('IP=10.1.0.6/24'));
    expect(c.requestedIps.map(ipToString)).toEqual(['10.1.0.6', '10.1.0.8', '10.1.0.9']);
  });
});
