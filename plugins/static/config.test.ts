import { describe, expect, it } from 'vitest';
import { cidrToString, ipToString } from '../../lib/addr/index.ts';
import { CniError, type NetConf, parseCniArgs } from '../../lib/cni/index.ts';
import { type StaticConfig, parseStaticConfig } from './config.ts';

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

/** The addresses as "cidr gw", for comparing. */
function shown(c: StaticConfig): string[] {
  return c.addresses.map((a) => `${cidrToString(a.cidr)}${a.gateway ? ` ${ipToString(a.gateway)}` : ''}`);
}

const parse = (c: NetConf, args?: string, version = '1.1.0') => parseStaticConfig(c, version, parseCniArgs(args));

describe('parseStaticConfig: sources and precedence (as Go v1.9.1)', () => {
  it('returns configured addresses with their gateways, host bits kept, IPv6 canonical', () => {
    const c = parse(conf({ addresses: [{ address: '10.10.0.5/24', gateway: '10.10.0.1' }, { address: '2001:DB8:0::5/64' }] }));
    expect(shown(c)).toEqual(['10.10.0.5/24 10.10.0.1', '2001:db8::5/64']);
  });

  it('appends CNI_ARGS IP to the configured addresses; GATEWAY goes to the CNI_ARGS addresses whose subnet holds it, only', () => {
    const c = parse(conf({ addresses: [{ address: '10.10.0.5/24' }] }), 'IgnoreUnknown=1;IP=10.10.0.6/24, 11.11.0.6/24;GATEWAY=10.10.0.254,11.11.0.1;K8S_POD_NAME=x');
    expect(shown(c)).toEqual(['10.10.0.5/24', '10.10.0.6/24 10.10.0.254', '11.11.0.6/24 11.11.0.1']);
  });

  it('a later GATEWAY in the same subnet wins; one in no subnet is ignored', () => {
    const c = parse(conf({}), 'IP=10.10.0.6/24;GATEWAY=10.10.0.1,192.168.0.1,10.10.0.2');
    expect(shown(c)).toEqual(['10.10.0.6/24 10.10.0.2']);
  });

  it('args.cni.ips replaces the configured and CNI_ARGS addresses', () => {
    const c = parse(conf({ addresses: [{ address: '10.10.0.5/24', gateway: '10.10.0.1' }] }, { args: { cni: { ips: ['10.20.0.5/16'] } } }), 'IP=10.10.0.6/24');
    expect(shown(c)).toEqual(['10.20.0.5/16']);
    expect(c.addresses[0]?.key).toBe('args.cni.ips[0]');
  });

  it('runtimeConfig.ips (the ips capability) replaces everything else', () => {
    const c = parse(
      conf({ addresses: [{ address: '10.10.0.5/24' }] }, { args: { cni: { ips: ['10.20.0.5/16'] } }, runtimeConfig: { ips: ['10.30.0.5/24', 'fd00::5/64'] } }),
      'IP=10.10.0.6/24',
    );
    expect(shown(c)).toEqual(['10.30.0.5/24', 'fd00::5/64']);
  });

  it('empty args.cni.ips and runtimeConfig.ips replace nothing', () => {
    const c = parse(conf({ addresses: [{ address: '10.10.0.5/24' }] }, { args: { cni: { ips: [] } }, runtimeConfig: { ips: [] } }));
    expect(shown(c)).toEqual(['10.10.0.5/24']);
  });

  it('reads an IPv4-mapped address as IPv4 (prefix counted in the IPv4 part), as Go', () => {
    expect(shown(parse(conf({ addresses: [{ address: '::ffff:10.0.0.5/120', gateway: '::ffff:10.0.0.1' }] })))).toEqual(['10.0.0.5/24 10.0.0.1']);
  });

  it('keeps routes (canonical, zero mtu/advmss/priority left out as Go omits them) and the DNS fields that are set', () => {
    const c = parse(
      conf({
        addresses: [{ address: '10.10.0.5/24' }],
        routes: [{ dst: '0.0.0.0/0' }, { dst: '192.168.0.0/16', gw: '10.10.5.1', mtu: 0, priority: 5, table: 0 }, { dst: '2001:DB8::/32', gw: '2001:db8:0::1' }],
        dns: { nameservers: ['8.8.8.8'], domain: 'example.com', search: [], options: ['ndots:2'] },
      }),
    );
    expect(c.routes).toEqual([{ dst: '0.0.0.0/0' }, { dst: '192.168.0.0/16', gw: '10.10.5.1', priority: 5, table: 0 }, { dst: '2001:db8::/32', gw: '2001:db8::1' }]);
    expect(c.dns).toEqual({ nameservers: ['8.8.8.8'], domain: 'example.com', options: ['ndots:2'] });
    expect(parse(conf({ addresses: [{ address: '10.10.0.5/24' }] })).dns).toEqual({});
  });

  it('accepts several addresses per family from 0.3.0 on and refuses them before, as Go', () => {
    const two = conf({ addresses: [{ address: '10.10.0.5/24' }, { address: '10.11.0.5/24' }] });
    expect(shown(parse(two, undefined, '0.3.0'))).toHaveLength(2);
    const e = failure(() => parse(two, undefined, '0.2.0'));
    expect([e.code, e.msg]).toEqual([7, 'CNI version 0.2.0 does not support more than 1 address per family']);
    expect(shown(parse(conf({ addresses: [{ address: '10.10.0.5/24' }, { address: 'fd00::5/64' }] }), undefined, '0.2.0'))).toHaveLength(2);
  });

  it('treats null keys and an empty gateway as absent (Go\'s zero values)', () => {
    expect(shown(parse(conf({ addresses: [{ address: '10.10.0.5/24', gateway: '' }], routes: null, dns: null })))).toEqual(['10.10.0.5/24']);
  });
});

describe('parseStaticConfig: bad input names the key', () => {
  const cases: [string, NetConf, string | undefined, number, string][] = [
    ['no ipam', { cniVersion: '1.1.0', name: 'n' } as NetConf, undefined, 7, 'IPAM config missing "ipam" key'],
    ['an address without prefix', conf({ addresses: [{ address: '10.10.0.5' }] }), undefined, 7, 'invalid ipam.addresses[0].address "10.10.0.5"'],
    ['a prefix out of range', conf({ addresses: [{ address: '10.10.0.5/99' }] }), undefined, 7, 'invalid ipam.addresses[0].address "10.10.0.5/99"'],
    ['an IPv6 prefix out of range', conf({ addresses: [{ address: 'fd00::1/129' }] }), undefined, 7, 'invalid ipam.addresses[0].address "fd00::1/129"'],
    ['a gateway that is not an address', conf({ addresses: [{ address: '10.10.0.5/24', gateway: 'router' }] }), undefined, 7, 'invalid ipam.addresses[0].gateway "router"'],
    ['a gateway of the other family', conf({ addresses: [{ address: '10.10.0.5/24', gateway: 'fd00::1' }] }), undefined, 7, 'invalid ipam.addresses[0].gateway "fd00::1"'],
    ['a mapped address with a short prefix', conf({ addresses: [{ address: '::ffff:10.0.0.5/64' }] }), undefined, 7, 'invalid ipam.addresses[0].address "::ffff:10.0.0.5/64"'],
    ['addresses not an array', conf({ addresses: { address: '10.10.0.5/24' } }), undefined, 7, 'invalid ipam.addresses {"address":"10.10.0.5/24"}'],
    ['an address not a string', conf({ addresses: [{ address: 17 }] }), undefined, 7, 'invalid ipam.addresses[0].address 17'],
    ['an address entry missing its address', conf({ addresses: [{ gateway: '10.0.0.1' }] }), undefined, 7, 'missing ipam.addresses[0].address'],
    ['a route dst without prefix', conf({ addresses: [{ address: '10.10.0.5/24' }], routes: [{ dst: '0.0.0.0' }] }), undefined, 7, 'invalid ipam.routes[0].dst "0.0.0.0"'],
    ['a route gw that is not an address', conf({ addresses: [{ address: '10.10.0.5/24' }], routes: [{ dst: '0.0.0.0/0', gw: 'x' }] }), undefined, 7, 'invalid ipam.routes[0].gw "x"'],
    ['dns nameservers not a list', conf({ addresses: [{ address: '10.10.0.5/24' }], dns: { nameservers: '8.8.8.8' } }), undefined, 7, 'invalid ipam.dns.nameservers "8.8.8.8"'],
    ['no addresses at all', conf({}), undefined, 7, 'no addresses for static IPAM'],
    ['a CNI_ARGS IP without prefix (podman passes bare IPs)', conf({}), 'IP=10.10.0.5', 4, 'invalid CNI_ARGS IP "10.10.0.5"'],
    ['a CNI_ARGS IP with prefix 99', conf({}), 'IP=10.10.0.5/99', 4, 'invalid CNI_ARGS IP "10.10.0.5/99"'],
    ['a CNI_ARGS GATEWAY that is not an address', conf({}), 'IP=10.10.0.5/24;GATEWAY=gw', 4, 'invalid CNI_ARGS GATEWAY "gw"'],
    ['an args.cni.ips entry without prefix', conf({}, { args: { cni: { ips: ['10.10.0.5'] } } }), undefined, 7, 'invalid args.cni.ips[0] "10.10.0.5"'],
    ['args.cni.ips not a list', conf({}, { args: { cni: { ips: '10.10.0.5/24' } } }), undefined, 7, 'invalid args.cni.ips "10.10.0.5/24"'],
    ['a runtimeConfig.ips entry out of range', conf({}, { runtimeConfig: { ips: ['fd00::1/200'] } }), undefined, 7, 'invalid runtimeConfig.ips[0] "fd00::1/200"'],
    // stricter than Go, which only parses the sources it uses
    ['a bad configured address under runtimeConfig.ips', conf({ addresses: [{ address: 'x' }] }, { runtimeConfig: { ips: ['10.0.0.5/24'] } }), undefined, 7, 'invalid ipam.addresses[0].address "x"'],
  ];
  it.each(cases)('%s', (_what, c, args, code, msg) => {
    const e = failure(() => parse(c, args));
    expect(e.code).toBe(code);
    expect(e.msg).toBe(msg);
  });
});
