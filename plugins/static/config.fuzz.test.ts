import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { bitLength, cidrToString, isIPv4Mapped, parseCidr } from '../../lib/addr/index.ts';
import { type NetConf, type AttachmentRequest, convertResult, parseCniArgs } from '../../lib/cni/index.ts';
import { badCidr, checkProperty, cniErrorWith, mutated, nastyString, nastyValue, outcome, reportFuzzCases } from '../../lib/testing/fuzz.ts';
import { parseStaticConfig } from './config.ts';
import { add } from './handlers.ts';

// Properties of static's request parsing: any ipam section, request keys and CNI_ARGS give a
// StaticConfig or CniError code 7 (code 4 for CNI_ARGS IP and GATEWAY), never another
// exception; what is accepted is well-formed; well-formed addresses come back as given, with
// Go's precedence.

afterAll(() => reportFuzzCases('plugins/static/config'));

const VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
const goodCidr = fc.oneof(
  fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([ip, p]) => `${ip}/${p}`),
  // IPv4-mapped ones are read as IPv4 (tested on their own in config.test.ts)
  fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([ip, p]) => `${ip}/${p}`).filter((t) => !isIPv4Mapped(parseCidr(t).ip)),
);
const cidr = fc.oneof({ weight: 4, arbitrary: goodCidr }, { weight: 1, arbitrary: badCidr }, { weight: 1, arbitrary: nastyString });
const gateway = fc.oneof(fc.ipV4(), fc.ipV6(), badCidr, fc.constant(''));
const validIpam = fc.record({
  type: fc.constant('static'),
  addresses: fc.array(fc.record({ address: cidr, gateway }, { requiredKeys: ['address'] }), { maxLength: 3 }),
  routes: fc.array(fc.record({ dst: cidr, gw: gateway, mtu: fc.nat(), priority: fc.nat(), table: fc.nat() }, { requiredKeys: ['dst'] }), { maxLength: 2 }),
  dns: fc.record({ nameservers: fc.array(fc.ipV4(), { maxLength: 2 }), domain: fc.domain(), search: fc.array(fc.domain(), { maxLength: 2 }), options: fc.array(fc.string(), { maxLength: 2 }) }, { requiredKeys: [] }),
}, { requiredKeys: ['type'] });
const validRequest = fc.record({
  cniVersion: fc.constantFrom(...VERSIONS),
  ipam: validIpam,
  args: fc.record({ cni: fc.record({ ips: fc.array(cidr, { maxLength: 2 }) }) }),
  runtimeConfig: fc.record({ ips: fc.array(cidr, { maxLength: 2 }) }),
}, { requiredKeys: ['ipam'] });
const cniArgs = fc.oneof(
  nastyString,
  fc.tuple(fc.array(cidr, { maxLength: 3 }), fc.array(gateway, { maxLength: 2 })).map(([ips, gws]) => `IgnoreUnknown=1;IP=${ips.join(',')};GATEWAY=${gws.join(',')}`),
);

function conf(raw: unknown): NetConf {
  // skel hands a plugin an object only: anything else stands in one of its keys
  const object = typeof raw === 'object' && raw !== null && !Array.isArray(raw);
  return (object ? { ...raw, name: 'net1' } : { name: 'net1', junk: raw }) as NetConf;
}

describe('parseStaticConfig', () => {
  it('gives a config or code 7 (4 for CNI_ARGS) for any request; what it accepts converts to every version', () => {
    const anyRequest = fc.oneof({ weight: 3, arbitrary: mutated(validRequest) }, { weight: 1, arbitrary: validRequest }, { weight: 1, arbitrary: fc.record({ ipam: nastyValue }) });
    checkProperty([anyRequest, cniArgs, fc.constantFrom(...VERSIONS)], (raw, args, version) => {
      const r = outcome(() => parseStaticConfig(conf(raw), version, parseCniArgs(args)), cniErrorWith(4, 7));
      if (!('value' in r)) return;
      expect(r.value.addresses.length).toBeGreaterThan(0);
      for (const a of r.value.addresses) {
        expect(a.cidr.prefix).toBeLessThanOrEqual(bitLength(a.cidr.ip.family));
        expect(cidrToString(parseCidr(cidrToString(a.cidr)))).toBe(cidrToString(a.cidr));
        if (a.gateway) expect(a.gateway.family).toBe(a.cidr.ip.family);
      }
    }, 1000);
  });

  it('returns well-formed addresses as given (canonical), the highest-precedence non-empty source only', () => {
    const list = fc.array(goodCidr, { maxLength: 3 });
    checkProperty([list, list, list, list], (configured, fromArgsEnv, argsCni, capability) => {
      const c = conf({ cniVersion: '1.1.0', ipam: { type: 'static', addresses: configured.map((address) => ({ address })) }, args: { cni: { ips: argsCni } }, runtimeConfig: { ips: capability } });
      const expected = capability.length ? capability : argsCni.length ? argsCni : [...configured, ...fromArgsEnv];
      const r = outcome(() => parseStaticConfig(c, '1.1.0', parseCniArgs(`IP=${fromArgsEnv.join(',')}`)), cniErrorWith(7));
      if (!('value' in r)) {
        expect(expected).toEqual([]); // the only refusal of well-formed input: no address at all
        return;
      }
      expect(r.value.addresses.map((a) => cidrToString(a.cidr))).toEqual(expected.map((t) => cidrToString(parseCidr(t))));
    }, 500);
  });

  it('ADD\'s result converts to the config\'s version whatever it accepted', async () => {
    const samples = fc.sample(fc.tuple(validRequest, fc.constantFrom(...VERSIONS)), 200);
    for (const [raw, version] of samples) {
      const req = { config: conf(raw), cniVersion: version, args: parseCniArgs(undefined) } as unknown as AttachmentRequest;
      let result;
      try {
        result = await add(req);
      } catch (e) {
        expect(cniErrorWith(7)(e), String(e)).toBe(true);
        continue;
      }
      expect(() => convertResult(result, version)).not.toThrow();
    }
  });
});
