import { describe, expect, it } from 'vitest';
import { convertResult, familyOf } from './convert.ts';
import { parsePrevResult } from './prev-result.ts';
import type { Result, Result020, Result040 } from './types.ts';
import { SUPPORTED_VERSIONS } from './version.ts';

const r110: Result = {
  cniVersion: '1.1.0',
  interfaces: [{ name: 'eth0', mac: 'aa:bb:cc:dd:ee:ff', sandbox: '/run/netns/p', mtu: 1400, pciID: 'x' }],
  ips: [
    { address: '10.0.0.2/24', gateway: '10.0.0.1', interface: 0 },
    { address: '10.0.1.2/24', interface: 0 },
    { address: 'fd00::2/64', gateway: 'fd00::1', interface: 0 },
  ],
  routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1', mtu: 1300 }, { dst: '::/0' }, { dst: '192.168.0.0/16' }],
  dns: { nameservers: ['10.0.0.53'], search: ['svc'] },
};

describe('familyOf', () => {
  it.each([
    ['0.1.0', '020'], ['0.2.0', '020'], ['0.3.0', '040'], ['0.3.1', '040'], ['0.4.0', '040'], ['1.0.0', '100'], ['1.1.0', '100'], ['2.0.0', undefined],
  ])('%s -> %s', (v, f) => expect(familyOf(v)).toBe(f));
});

describe('convertResult from 1.1.0', () => {
  it('to 0.4.0 adds version, drops 1.1 interface fields, keeps route extras', () => {
    const r = convertResult(r110, '0.4.0') as Result040;
    expect(r.cniVersion).toBe('0.4.0');
    expect(r.ips?.map((i) => i.version)).toEqual(['4', '4', '6']);
    expect(r.interfaces).toEqual([{ name: 'eth0', mac: 'aa:bb:cc:dd:ee:ff', sandbox: '/run/netns/p' }]);
    expect(r.routes?.[0]).toEqual({ dst: '0.0.0.0/0', gw: '10.0.0.1', mtu: 1300 });
    expect(r.dns).toEqual({ nameservers: ['10.0.0.53'], search: ['svc'] });
  });
  it('to 0.2.0 keeps the first address of each family and files routes by family', () => {
    const r = convertResult(r110, '0.2.0') as Result020;
    expect(r).toEqual({
      cniVersion: '0.2.0',
      ip4: { ip: '10.0.0.2/24', gateway: '10.0.0.1', routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1' }, { dst: '192.168.0.0/16' }] },
      ip6: { ip: 'fd00::2/64', gateway: 'fd00::1', routes: [{ dst: '::/0' }] },
      dns: { nameservers: ['10.0.0.53'], search: ['svc'] },
    });
  });
  it('to 0.2.0 drops routes of a family without an address', () => {
    const v4only: Result = { cniVersion: '1.0.0', ips: [{ address: '10.0.0.2/24' }], routes: [{ dst: '::/0' }] };
    expect(convertResult(v4only, '0.1.0')).toEqual({ cniVersion: '0.1.0', ip4: { ip: '10.0.0.2/24' } });
  });
  it('to 0.2.0 fails without any address', () => {
    expect(() => convertResult({ cniVersion: '1.0.0', interfaces: [{ name: 'lo' }] }, '0.2.0')).toThrow('cannot convert: no valid IP addresses');
  });
  it('to 1.0.0 is a relabel', () => {
    expect(convertResult(r110, '1.0.0')).toEqual({ ...r110, cniVersion: '1.0.0' });
  });
  it('to an unknown version fails with code 1', () => {
    expect(() => convertResult(r110, '7.0.0')).toThrow('no converter for CNI result version 1.1.0 to 7.0.0');
  });
});

describe('convertResult from old families', () => {
  const r020: Result020 = { cniVersion: '0.2.0', ip4: { ip: '10.0.0.2/24', gateway: '10.0.0.1', routes: [{ dst: '0.0.0.0/0' }] }, ip6: { ip: 'fd00::2/64' } };
  it('0.2.0 -> 0.3.1 makes ips with versions and concatenates routes', () => {
    expect(convertResult(r020, '0.3.1')).toEqual({
      cniVersion: '0.3.1',
      ips: [{ version: '4', address: '10.0.0.2/24', gateway: '10.0.0.1' }, { version: '6', address: 'fd00::2/64' }],
      routes: [{ dst: '0.0.0.0/0' }],
    });
  });
  it('0.2.0 -> 1.1.0 goes through 0.4.0 and drops version', () => {
    expect(convertResult(r020, '1.1.0')).toEqual({
      cniVersion: '1.1.0',
      ips: [{ address: '10.0.0.2/24', gateway: '10.0.0.1' }, { address: 'fd00::2/64' }],
      routes: [{ dst: '0.0.0.0/0' }],
    });
  });
  it('a result without cniVersion takes the assumed version', () => {
    expect(convertResult({ cniVersion: '', ip4: { ip: '10.0.0.2/24' } } as Result020, '1.0.0', '0.2.0')).toEqual({ cniVersion: '1.0.0', ips: [{ address: '10.0.0.2/24' }] });
  });
  it.each(SUPPORTED_VERSIONS)('round-trips 1.1.0 -> %s -> 1.1.0 keeping the first v4 address', (v) => {
    const back = convertResult(convertResult(r110, v), '1.1.0') as Result;
    expect(back.ips?.[0]?.address).toBe('10.0.0.2/24');
    expect(back.cniVersion).toBe('1.1.0');
  });
});

describe('parsePrevResult', () => {
  it('converts a prevResult in the config version up to 1.1.0', () => {
    const prev = parsePrevResult({ name: 'n', cniVersion: '0.3.1', prevResult: { cniVersion: '0.3.1', interfaces: [{ name: 'eth0' }], ips: [{ version: '4', address: '10.0.0.2/24', interface: 0 }] } });
    expect(prev).toEqual({ cniVersion: '1.1.0', interfaces: [{ name: 'eth0' }], ips: [{ address: '10.0.0.2/24', interface: 0 }] });
  });
  it('takes a prevResult without cniVersion to be in the config version', () => {
    const prev = parsePrevResult({ name: 'n', cniVersion: '0.2.0', prevResult: { ip4: { ip: '10.0.0.2/24' } } });
    expect(prev?.ips).toEqual([{ address: '10.0.0.2/24' }]);
  });
  it('returns undefined without prevResult and rejects non-objects with code 6', () => {
    expect(parsePrevResult({ name: 'n' })).toBeUndefined();
    expect(() => parsePrevResult({ name: 'n', prevResult: 'x' })).toThrow('prevResult must be a JSON object');
    expect(() => parsePrevResult({ name: 'n', cniVersion: '1.0.0', prevResult: { ips: {} } })).toThrow(expect.objectContaining({ code: 6, msg: 'cannot decode prevResult: prevResult.ips {}' }));
  });
});
