import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type AttachmentRequest, type ConfigRequest, parseCniArgs } from '../../lib/cni/index.ts';
import { checkProperty, cniErrorWith, mutated, nastyString, nastyValue, outcome, reportFuzzCases } from '../../lib/testing/fuzz.ts';
import { parseAttachmentSettings, parseBridgeConfig } from './config.ts';

// Properties of bridge's config parsing: any config gives a BridgeConfig or CniError code 7,
// and what it accepts is what the kernel and the rest of the plugin can use.

afterAll(() => reportFuzzCases('plugins/bridge/config'));

function req(config: unknown, cniArgs = ''): AttachmentRequest {
  // skel hands a plugin an object only: anything else stands in one of its keys
  const object = typeof config === 'object' && config !== null && !Array.isArray(config);
  const c = (object ? { ...config, name: 'net' } : { name: 'net', junk: config }) as ConfigRequest['config'];
  const base: ConfigRequest = { command: 'ADD', config: c, stdin: Buffer.from('{}'), cniVersion: '1.1.0', path: [], env: {} };
  return { ...base, containerId: 'c', netns: '/n', ifname: 'eth0', args: parseCniArgs(cniArgs) };
}

const validBridge = fc.record({
  cniVersion: fc.constant('1.1.0'),
  type: fc.constant('bridge'),
  bridge: fc.constantFrom('cni0', 'br-test', 'b'),
  isGateway: fc.boolean(),
  isDefaultGateway: fc.boolean(),
  forceAddress: fc.boolean(),
  ipMasq: fc.boolean(),
  ipMasqBackend: fc.constantFrom('iptables', 'nftables', ''),
  mtu: fc.integer({ min: 0, max: 65535 }),
  hairpinMode: fc.boolean(),
  vlan: fc.integer({ min: 0, max: 4094 }),
  vlanTrunk: fc.array(fc.oneof(fc.record({ id: fc.integer({ min: 1, max: 4094 }) }), fc.record({ minID: fc.integer({ min: 1, max: 100 }), maxID: fc.integer({ min: 100, max: 4094 }) })), { maxLength: 3 }),
  preserveDefaultVlan: fc.boolean(),
  macspoofchk: fc.boolean(),
  enabledad: fc.boolean(),
  portIsolation: fc.boolean(),
  ipam: fc.constant({ type: 'host-local', subnet: '10.1.0.0/16' }),
  dns: fc.record({ nameservers: fc.constant(['10.1.0.53']), domain: fc.constant('cluster.local') }),
  args: fc.constant({ cni: { mac: '0a:58:0a:01:00:06' } }),
  runtimeConfig: fc.constant({ mac: '0A-58-0A-01-00-07' }),
}, { requiredKeys: ['type'] });

const anyBridgeConfig = fc.oneof(
  { weight: 3, arbitrary: mutated(validBridge) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('bridge', 'mtu', 'vlan', 'vlanTrunk', 'ipam', 'dns', 'hairpinMode', 'promiscMode', 'ipMasqBackend', 'args', 'runtimeConfig'), nastyValue) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 3 }) },
);

describe('parseBridgeConfig', () => {
  it('gives a BridgeConfig or code 7 for any config; an accepted one is usable', () => {
    checkProperty([anyBridgeConfig], (config) => {
      const r = outcome(() => parseBridgeConfig(req(config)), cniErrorWith(7));
      if (!('value' in r)) return;
      const c = r.value;
      expect(Buffer.byteLength(c.bridge)).toBeGreaterThan(0);
      expect(Buffer.byteLength(c.bridge)).toBeLessThanOrEqual(15);
      expect(c.bridge).not.toMatch(/[/:\s]/);
      expect(Number.isInteger(c.vlan) && c.vlan >= 0 && c.vlan <= 4094).toBe(true);
      for (const id of c.vlanTrunk) expect(Number.isInteger(id) && id >= 1 && id <= 4094).toBe(true);
      expect([...c.vlanTrunk]).toEqual([...new Set(c.vlanTrunk)].sort((a, b) => a - b));
      if (c.mtu !== undefined) expect(Number.isInteger(c.mtu) && c.mtu >= 1 && c.mtu <= 65535).toBe(true);
      expect(c.hairpinMode && c.promiscMode).toBe(false);
      if (c.ipamType !== undefined) expect(c.ipamType).toBeTypeOf('string');
    }, 1000);
  });
});

describe('parseAttachmentSettings', () => {
  it('gives a normalised MAC (or none) or code 7, whatever CNI_ARGS, args and runtimeConfig hold', () => {
    const mac = fc.oneof(nastyString, fc.constantFrom('0a:58:0a:01:00:05', '0A-58-0A-01-00-05', '0a:58:0a:01:00', '0a:58:0a:01:00:05:06', 'zz:58:0a:01:00:05'));
    const cniArgs = fc.oneof(nastyString, mac.map((m) => `IgnoreUnknown=1;MAC=${m}`));
    const config = fc.oneof(mutated(fc.record({ args: fc.record({ cni: fc.record({ mac }) }), runtimeConfig: fc.record({ mac }) }, { requiredKeys: [] })), nastyValue);
    checkProperty([config, cniArgs], (c, args) => {
      const r = outcome(() => parseAttachmentSettings(req(c, args)), cniErrorWith(7));
      if ('value' in r && r.value.mac !== undefined) expect(r.value.mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    }, 1000);
  });
});
