import { describe, expect, it } from 'vitest';
import { networkConfFromBytes } from '../conf.ts';
import { checkPluginConfigs } from './plugin-configs.ts';

function findings(plugins: unknown[]) {
  const list = networkConfFromBytes(Buffer.from(JSON.stringify({ cniVersion: '1.1.0', name: 'net', plugins })));
  return checkPluginConfigs(list).map((f) => `${f.severity}: ${f.message}`);
}

describe('checkPluginConfigs', () => {
  it('finds nothing in the README examples', async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    const dir = new URL('../../../examples/', import.meta.url);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.conflist'))) {
      const list = networkConfFromBytes(readFileSync(new URL(file, dir)));
      expect(checkPluginConfigs(list), file).toEqual([]);
    }
  });

  it('checks each plugin against its schema, and the ipam section against its IPAM plugin\'s', () => {
    expect(
      findings([
        { type: 'bridge', isGatway: true, mtu: 'big', ipam: { type: 'host-local', ranges: [[{ subnet: '10.1.0.0/24' }]], datadir: '/x' } },
        { type: 'portmap', capabilities: { portMappings: true }, snat: 1 },
      ]),
    ).toEqual([
      'warning: unknown key plugins[0].isGatway (did you mean "isGateway"?): the plugin ignores it',
      'error: invalid plugins[0].mtu "big": expected an integer from 0 to 65535',
      'warning: unknown key plugins[0].ipam.datadir (did you mean "dataDir"?): the plugin ignores it',
      'error: invalid plugins[1].snat 1: expected true or false',
    ]);
  });

  it('notes plugins and IPAM types it has no schema for', () => {
    // Every plugin of the reference set has one now: third-party types are what is left.
    expect(findings([{ type: 'flannel', ipam: { type: 'whereabouts' } }, { type: 'cilium-cni' }])).toEqual([
      'note: plugins[0]: no schema for plugin type "flannel" in this suite; its keys were not checked',
      'note: plugins[0].ipam: no schema for IPAM type "whereabouts" in this suite; its keys were not checked',
      'note: plugins[1]: no schema for plugin type "cilium-cni" in this suite; its keys were not checked',
    ]);
    expect(findings([{ type: 'macvlan', master: 'eth0', ipam: { type: 'dhcp' } }, { type: 'sbr' }])).toEqual([]);
  });

  it('checks a static ipam section against static\'s schema', () => {
    expect(findings([{ type: 'bridge', ipam: { type: 'static', addresses: [{ address: 5 }], rotues: [] } }])).toEqual([
      'error: invalid plugins[0].ipam.addresses[0].address 5: expected a CIDR string such as "10.1.0.5/24"',
      'warning: unknown key plugins[0].ipam.rotues (did you mean "routes"?): the plugin ignores it',
    ]);
  });

  it('accepts the invocation log keys in every plugin\'s entry, and checks their values', () => {
    const types = ['bandwidth', 'bridge', 'dummy', 'firewall', 'host-device', 'ipvlan', 'loopback', 'macvlan', 'portmap', 'ptp', 'sbr', 'tap', 'tuning', 'vlan', 'vrf'];
    const log = { logFile: '/var/log/cni-ts.jsonl', logLevel: 'debug', logMaxBytes: 1048576 };
    for (const type of types) {
      const plugin = { type, master: 'eth0', vlanId: 5, vrfname: 'v' };
      // whatever a plugin's entry lacks here, the log keys add no finding of their own
      expect(findings([{ ...plugin, ...log }]), type).toEqual(findings([plugin]));
    }
    expect(findings([{ type: 'loopback', logFile: 3, logLevel: 'verbose', logMaxBytes: 100 }])).toEqual([
      'error: invalid plugins[0].logFile 3: expected a path (a string without NUL)',
      'error: invalid plugins[0].logLevel "verbose": expected one of "error", "info", "debug"',
      'error: invalid plugins[0].logMaxBytes 100: expected an integer from 4096 to 1099511627776',
    ]);
  });
});
