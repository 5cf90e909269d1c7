import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type NetConf, parseCniArgs } from '../cni/index.ts';
import { badCidr, checkProperty, cniErrorWith, mutated, nastyString, nastyValue, outcome, reportFuzzCases } from '../testing/fuzz.ts';
import { parseConfig, parseStoreLocation } from './config.ts';

// Properties of host-local's config parsing: any ipam section, request keys and CNI_ARGS give a
// HostLocalConfig or CniError code 7 (code 4 for CNI_ARGS IP), never another exception.

afterAll(() => reportFuzzCases('lib/host-local/config'));

const v4 = fc.ipV4();
const v6 = fc.ipV6();
const address = fc.oneof({ weight: 4, arbitrary: fc.oneof(v4, v6) }, { weight: 1, arbitrary: badCidr }, { weight: 1, arbitrary: nastyString });
const subnet = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('10.1.0.0/16', '10.2.0.0/24', '10.3.0.0/30', '10.4.0.0/31', '10.5.0.1/32', '2001:db8::/64', '2001:db8:1::/120', 'fd00::/127') },
  { weight: 2, arbitrary: badCidr },
);
const range = fc.record({ subnet, rangeStart: address, rangeEnd: address, gateway: address }, { requiredKeys: ['subnet'] });
const validIpam = fc.record({
  type: fc.constant('host-local'),
  subnet,
  rangeStart: address,
  ranges: fc.array(fc.array(range, { minLength: 1, maxLength: 2 }), { maxLength: 2 }),
  routes: fc.array(fc.record({ dst: subnet, gw: address, mtu: fc.nat(), priority: fc.nat() }, { requiredKeys: ['dst'] }), { maxLength: 2 }),
  dataDir: fc.constantFrom('/tmp/host-local-fuzz', '/run/x'),
  resolvConf: fc.constant('/etc/resolv.conf'),
}, { requiredKeys: ['type'] });
const validRequest = fc.record({
  cniVersion: fc.constantFrom('0.2.0', '0.3.1', '1.0.0', '1.1.0'),
  ipam: validIpam,
  args: fc.record({ cni: fc.record({ ips: fc.array(address, { maxLength: 2 }) }) }),
  runtimeConfig: fc.record({ ips: fc.array(address, { maxLength: 2 }), ipRanges: fc.array(fc.array(range, { minLength: 1, maxLength: 2 }), { maxLength: 2 }) }, { requiredKeys: [] }),
}, { requiredKeys: ['ipam'] });

const cniArgs = fc.oneof(nastyString, fc.array(fc.oneof(address, badCidr), { maxLength: 3 }).map((ips) => `IgnoreUnknown=1;IP=${ips.join(',')}`));

function conf(raw: unknown): NetConf {
  // skel hands a plugin an object only: anything else stands in one of its keys
  const object = typeof raw === 'object' && raw !== null && !Array.isArray(raw);
  return (object ? { ...raw, name: 'net1' } : { name: 'net1', junk: raw }) as NetConf;
}

describe('parseConfig', () => {
  it('gives a config or code 7 (4 for CNI_ARGS IP) for any request; accepted ranges are well-formed', () => {
    checkProperty([fc.oneof({ weight: 3, arbitrary: mutated(validRequest) }, { weight: 1, arbitrary: validRequest }, { weight: 1, arbitrary: fc.record({ ipam: nastyValue }) }), cniArgs], (raw, args) => {
      const r = outcome(() => parseConfig(conf(raw), '1.1.0', parseCniArgs(args)), cniErrorWith(4, 7));
      if (!('value' in r)) return;
      expect(r.value.rangeSets.length).toBeGreaterThan(0);
      for (const set of r.value.rangeSets) for (const range of set) expect(range.rangeStart.value <= range.rangeEnd.value).toBe(true);
    }, 1000);
  });

  it('parseStoreLocation (DEL, GC) gives a location or code 7 for any ipam', () => {
    checkProperty([fc.oneof(nastyValue, mutated(validIpam))], (ipam) => {
      outcome(() => parseStoreLocation(conf({ ipam })), cniErrorWith(7));
    }, 1000);
  });

  // Regression test for issue 17: "a relative dataDir is accepted".
  it('a relative dataDir is code 7', () => {
    checkProperty([fc.constantFrom('data', './data', '../data', 'var/lib/cni')], (dataDir) => {
      expect(outcome(() => parseStoreLocation(conf({ ipam: { dataDir } })), cniErrorWith(7))).toHaveProperty('error');
    }, 20);
  });

  // Regression test for issue 17: "a CNI_ARGS IP with a prefix of 99 is accepted".
  it('a CNI_ARGS IP with an impossible prefix is code 4', () => {
    checkProperty([fc.integer({ min: 33, max: 1000 })], (prefix) => {
      const c = conf({ cniVersion: '1.1.0', ipam: { subnet: '10.1.0.0/16' } });
      expect(outcome(() => parseConfig(c, '1.1.0', parseCniArgs(`IP=10.1.0.5/${prefix}`)), cniErrorWith(4))).toHaveProperty('error');
    }, 20);
  });
});
