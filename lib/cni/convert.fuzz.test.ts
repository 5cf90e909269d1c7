import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { checkProperty, cniErrorWith, mutated, nastyString, nastyValue, outcome, reportFuzzCases } from '../testing/fuzz.ts';
import { convertResult, familyOf } from './convert.ts';
import { parsePrevResult } from './prev-result.ts';
import type { AnyResult, Result, Result020, Result040 } from './types.ts';
import { SUPPORTED_VERSIONS } from './version.ts';

// Properties of the result conversions between every pair of spec versions (0.1.0 .. 1.1.0):
// a result converted up and back down (or down and back up) gives a result or a CniError,
// never another exception, and a valid result keeps its addresses on the way (through the
// 0.1/0.2 form only the first address of each family survives: that form has one per family).

afterAll(() => reportFuzzCases('lib/cni/convert'));

const version = fc.constantFrom(...SUPPORTED_VERSIONS);
const v4 = fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([ip, p]) => `${ip}/${p}`);
const v6 = fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([ip, p]) => `${ip}/${p}`);
const cidr = fc.oneof(v4, v6);
const ipOnly = fc.oneof(fc.ipV4(), fc.ipV6());
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const dns = opt(fc.record({ nameservers: opt(fc.array(ipOnly, { maxLength: 2 })), domain: opt(fc.string()), search: opt(fc.array(fc.string(), { maxLength: 2 })), options: opt(fc.array(fc.string(), { maxLength: 2 })) }, { requiredKeys: [] }));
const route = fc.record({ dst: cidr, gw: opt(ipOnly), mtu: opt(fc.nat()), advmss: opt(fc.nat()), priority: opt(fc.nat()), table: opt(fc.nat()), scope: opt(fc.nat(255)) }, { requiredKeys: ['dst'] });

/** A well-formed 1.0/1.1 result (what plugins build). */
const result100 = fc.record({
  cniVersion: fc.constantFrom('1.0.0', '1.1.0'),
  interfaces: opt(fc.array(fc.record({ name: fc.string({ minLength: 1, maxLength: 15 }), mac: opt(fc.constant('0a:58:0a:01:00:05')), sandbox: opt(fc.string()), mtu: opt(fc.nat()) }, { requiredKeys: ['name'] }), { maxLength: 3 })),
  ips: opt(fc.array(fc.record({ address: cidr, gateway: opt(ipOnly), interface: opt(fc.nat(2)) }, { requiredKeys: ['address'] }), { maxLength: 4 })),
  routes: opt(fc.array(route, { maxLength: 3 })),
  dns,
}, { requiredKeys: ['cniVersion'] }).map((r) => {
  // a well-formed result's interface index points into its interfaces
  const count = r.interfaces?.length ?? 0;
  const ips = r.ips?.map(({ interface: idx, ...ip }) => (idx !== undefined && idx < count ? { ...ip, interface: idx } : ip));
  return ips ? { ...r, ips } : r;
}) as fc.Arbitrary<Result>;

/** A well-formed 0.3/0.4 result: `version` agrees with the address. */
const result040 = result100.map((r) => {
  const out = { ...r, cniVersion: '0.4.0' } as Result040;
  if (r.ips) out.ips = r.ips.map((ip) => ({ ...ip, version: ip.address.includes(':') ? '6' : '4' }));
  return out;
}).chain((r) => fc.constantFrom('0.3.0', '0.3.1', '0.4.0').map((cniVersion) => ({ ...r, cniVersion })));

/** A well-formed 0.1/0.2 result. */
const block = (addr: fc.Arbitrary<string>) => opt(fc.record({ ip: addr, gateway: opt(ipOnly), routes: opt(fc.array(fc.record({ dst: addr, gw: opt(ipOnly) }, { requiredKeys: ['dst'] }), { maxLength: 2 })) }, { requiredKeys: ['ip'] }));
const result020 = fc.record({ cniVersion: fc.constantFrom('0.1.0', '0.2.0'), ip4: block(v4), ip6: block(v6), dns }, { requiredKeys: ['cniVersion'] }) as fc.Arbitrary<Result020>;

const anyValidResult: fc.Arbitrary<AnyResult> = fc.oneof(result100, result040, result020);

function addresses(r: AnyResult): string[] {
  if (familyOf(r.cniVersion) === '020') {
    const o = r as Result020;
    return [o.ip4?.ip, o.ip6?.ip].filter((a): a is string => a !== undefined);
  }
  return ((r as Result).ips ?? []).map((i) => i.address);
}

/** What survives the 0.1/0.2 form: the first address of each family. */
function firstOfEachFamily(list: readonly string[]): string[] {
  const v4first = list.find((a) => !a.includes(':'));
  const v6first = list.find((a) => a.includes(':'));
  return [v4first, v6first].filter((a): a is string => a !== undefined);
}

describe('convertResult between every pair of versions', () => {
  it('there and back gives a result or a CniError; a valid result keeps its addresses', () => {
    checkProperty([anyValidResult, version], (r, to) => {
      const from = r.cniVersion;
      const there = outcome(() => convertResult(r, to), cniErrorWith(999));
      if ('error' in there) {
        // only one conversion may fail: to the 0.1/0.2 form, which needs an address
        expect(familyOf(to)).toBe('020');
        expect(addresses(r)).toEqual([]);
        return;
      }
      expect(there.value.cniVersion).toBe(to);
      const before = addresses(r);
      const returned = outcome(() => convertResult(there.value, from), cniErrorWith(999));
      if ('error' in returned) {
        expect(familyOf(from)).toBe('020');
        expect(before).toEqual([]);
        return;
      }
      const back = returned.value;
      expect(back.cniVersion).toBe(from);
      const through020 = familyOf(from) === '020' || familyOf(to) === '020';
      if (through020) expect(addresses(back).sort()).toEqual(firstOfEachFamily(before).sort());
      else expect(addresses(back)).toEqual(before);
    }, 1000);
  });

  it('a result of unknown version, or to an unknown version, is code 1', () => {
    checkProperty([anyValidResult, fc.oneof(nastyString, fc.constantFrom('0.5.0', '1.2.0', '2.0.0', '1.1'))], (r, other) => {
      if (familyOf(other) !== undefined) return;
      expect(outcome(() => convertResult(r, other), cniErrorWith(1))).toHaveProperty('error');
      // an empty cniVersion is "the config's version", not unknown (Go's rule)
      if (other !== '') expect(outcome(() => convertResult({ ...r, cniVersion: other }, '1.1.0'), cniErrorWith(1))).toHaveProperty('error');
    }, 500);
  });

  it('up to 1.1.0 then down to every version, with mutated string fields: a result or a CniError', () => {
    // Strings the runtime never checks (names, sandboxes, DNS) may hold anything.
    const strings = fc.tuple(anyValidResult, nastyString).map(([r, s]) => {
      const out = structuredClone(r) as Result & Result020;
      for (const i of out.interfaces ?? []) [i.name, i.sandbox] = [s, s];
      if (out.dns) out.dns.domain = s;
      for (const ip of out.ips ?? []) ip.gateway = s;
      return out as AnyResult;
    });
    checkProperty([strings, version], (r, to) => {
      const up = convertResult(r, '1.1.0');
      outcome(() => convertResult(up, to), cniErrorWith(999));
    }, 500);
  });
});

describe('parsePrevResult (what a chained plugin gets)', () => {
  it('a valid prevResult in the config\'s version family reads as 1.1.0 with the same addresses (first per family from 0.1/0.2)', () => {
    checkProperty([anyValidResult, version], (r, anyVersion) => {
      const sameFamily = SUPPORTED_VERSIONS.filter((v) => familyOf(v) === familyOf(r.cniVersion));
      const configVersion = sameFamily[SUPPORTED_VERSIONS.indexOf(anyVersion) % sameFamily.length];
      const prev = parsePrevResult({ cniVersion: configVersion, prevResult: r });
      expect(prev?.cniVersion).toBe('1.1.0');
      const want = addresses(r);
      expect((prev?.ips ?? []).map((i) => i.address)).toEqual(want);
    }, 500);
  });

  it('a valid prevResult of another version family than the config is code 7 (the runtime converts it)', () => {
    checkProperty([anyValidResult, version], (r, configVersion) => {
      fc.pre(familyOf(configVersion) !== familyOf(r.cniVersion));
      expect(outcome(() => parsePrevResult({ cniVersion: configVersion, prevResult: r }), cniErrorWith(7))).toHaveProperty('error');
    }, 300);
  });

  it('a prevResult that is not an object, or whose lists are not lists, is code 6', () => {
    checkProperty([fc.oneof(nastyString, fc.integer(), fc.boolean(), fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }))], (bad) => {
      expect(outcome(() => parsePrevResult({ cniVersion: '1.0.0', prevResult: bad }), cniErrorWith(6))).toHaveProperty('error');
      for (const key of ['ips', 'routes', 'interfaces']) {
        if (Array.isArray(bad)) continue;
        expect(outcome(() => parsePrevResult({ cniVersion: '1.0.0', prevResult: { cniVersion: '1.0.0', [key]: bad } }), cniErrorWith(6))).toHaveProperty('error');
      }
    }, 300);
  });

  // Regression test for issue 17: "a malformed prevResult is not caught first".
  it('any JSON as prevResult, and valid results with mutated fields, give a result or code 6/7', () => {
    checkProperty([fc.oneof(nastyValue, mutated(anyValidResult))], (prevResult) => {
      outcome(() => parsePrevResult({ cniVersion: '1.0.0', prevResult }), cniErrorWith(1, 6, 7));
    }, 1000);
  });
});
