import { describe, expect, it } from 'vitest';
import { parsePrevResult } from './prev-result.ts';

// A malformed prevResult is refused whole, with the key, the value and the spec's code, before
// any plugin compares it with the kernel or acts on it (issue 17).

const good = {
  cniVersion: '1.0.0',
  interfaces: [{ name: 'br0', mac: '0a:58:0a:01:00:01' }, { name: 'eth0', mac: '0a:58:0a:01:00:05', sandbox: '/run/netns/p' }],
  ips: [{ address: '10.1.0.5/16', gateway: '10.1.0.1', interface: 1 }],
  routes: [{ dst: '0.0.0.0/0', gw: '10.1.0.1' }],
  dns: { nameservers: ['10.1.0.53'] },
};
const conf = (prevResult: unknown, cniVersion = '1.0.0') => ({ cniVersion, name: 'n', prevResult });
const withIp = (ip: Record<string, unknown>) => ({ ...good, ips: [{ ...good.ips[0], ...ip }] });

function errorOf(f: () => unknown): { code: number; msg: string; details?: string } {
  try {
    f();
  } catch (e) {
    return e as { code: number; msg: string; details?: string };
  }
  throw new Error('no error');
}

describe('parsePrevResult: what decodes', () => {
  it('a well-formed result converts to 1.1.0', () => {
    expect(parsePrevResult(conf(good))).toMatchObject({ cniVersion: '1.1.0', ips: [{ address: '10.1.0.5/16', interface: 1 }] });
  });
  it('0.4.0 and 0.2.0 results under configs of their own family', () => {
    expect(parsePrevResult(conf({ cniVersion: '0.4.0', ips: [{ version: '4', address: '10.1.0.5/16' }] }, '0.3.1'))?.ips).toEqual([{ address: '10.1.0.5/16' }]);
    expect(parsePrevResult(conf({ ip4: { ip: '10.1.0.5/16', routes: [{ dst: '0.0.0.0/0' }] } }, '0.2.0'))?.routes).toEqual([{ dst: '0.0.0.0/0' }]);
  });
});

describe('parsePrevResult: code 6, it does not decode', () => {
  it.each([
    ['an address without a prefix', withIp({ address: '10.1.0.5' }), 'prevResult.ips[0].address', /"\/prefix" is missing/],
    ['an address with a prefix out of range', withIp({ address: '10.1.0.5/99' }), 'prevResult.ips[0].address', /prefix length must be 0-32/],
    ['an address that is a number', withIp({ address: 5 }), 'prevResult.ips[0].address', /expected a CIDR/],
    ['a gateway that is not an address', withIp({ gateway: 'router' }), 'prevResult.ips[0].gateway', /not an IP address/],
    ['an interface index that is not an integer', withIp({ interface: '1' }), 'prevResult.ips[0].interface', /integer/],
    ['a route destination that is not a CIDR', { ...good, routes: [{ dst: 'default' }] }, 'prevResult.routes[0].dst', /not a CIDR/],
    ['a route gateway that is not an address', { ...good, routes: [{ dst: '0.0.0.0/0', gw: '10.1.0' }] }, 'prevResult.routes[0].gw', /not an IP address/],
    ['ips that is an object', { ...good, ips: {} }, 'prevResult.ips', /expected an array/],
    ['an interface without a name', { ...good, interfaces: [{ mac: '0a:58:0a:01:00:01' }] }, 'prevResult.interfaces[0].name', /expected a string/],
    ['dns.nameservers that is a string', { ...good, dns: { nameservers: '10.0.0.53' } }, 'prevResult.dns.nameservers', /array of strings/],
    ['a 0.2.0 ip4 without a prefix', { cniVersion: '0.2.0', ip4: { ip: '10.1.0.5' } }, 'prevResult.ip4.ip', /prefix/],
  ])('%s', (_what, prev, key, details) => {
    const version = (prev as { cniVersion: string }).cniVersion;
    const err = errorOf(() => parsePrevResult(conf(prev, version)));
    expect(err.code).toBe(6);
    expect(err.msg).toContain(`cannot decode prevResult: ${key}`);
    expect(err.details).toMatch(details);
  });
});

describe('parsePrevResult: code 7, it decodes but is invalid', () => {
  it.each([
    ['a 0.4.0 result under a 1.0.0 config', { ...good, cniVersion: '0.4.0' }, '1.0.0', 'prevResult.cniVersion', /config's version family/],
    ['a 1.0.0 result under a 0.4.0 config', good, '0.4.0', 'prevResult.cniVersion', /config's version family/],
    ['a 0.2.0-shaped result that says 1.0.0', { cniVersion: '1.0.0', ip4: { ip: '10.1.0.5/16' } }, '1.0.0', 'prevResult.ip4', /"ips", not the 0.1\/0.2/],
    ['a 0.2.0-shaped result without a version under 1.0.0', { ip4: { ip: '10.1.0.5/16' } }, '1.0.0', 'prevResult.ip4', /"ips"/],
    ['a 1.x-shaped result that says 0.2.0', { cniVersion: '0.2.0', ips: [{ address: '10.1.0.5/16' }] }, '0.2.0', 'prevResult.ips', /"ip4"\/"ip6"/],
    ['an interface index out of range', withIp({ interface: 2 }), '1.0.0', 'prevResult.ips[0].interface', /has 2 entries/],
    ['a negative interface index', withIp({ interface: -1 }), '1.0.0', 'prevResult.ips[0].interface', /must index/],
    ['a MAC that is not one', { ...good, interfaces: [{ name: 'br0', mac: 'zz:zz' }, good.interfaces[1]] }, '1.0.0', 'prevResult.interfaces[0].mac', /MAC address/],
  ])('%s', (_what, prev, version, key, details) => {
    const err = errorOf(() => parsePrevResult(conf(prev, version)));
    expect(err.code).toBe(7);
    expect(err.msg).toContain(`invalid prevResult: ${key}`);
    expect(err.details).toMatch(details);
  });
});
