import { describe, expect, it } from 'vitest';
import { type AttachmentRequest, type ConfigRequest, parseCniArgs } from '../../lib/cni/index.ts';
import { parseAttachmentSettings, parseBridgeConfig } from './config.ts';

function req(extra: Record<string, unknown>, cniArgs = ''): AttachmentRequest {
  const config = { cniVersion: '1.1.0', name: 'net', type: 'bridge', ...extra };
  const base: ConfigRequest = { command: 'ADD', config, stdin: Buffer.from(JSON.stringify(config)), cniVersion: '1.1.0', path: [], env: {} };
  return { ...base, containerId: 'c', netns: '/n', ifname: 'eth0', args: parseCniArgs(cniArgs) };
}

describe('parseBridgeConfig', () => {
  it('applies the reference defaults', () => {
    const c = parseBridgeConfig(req({}));
    expect(c).toMatchObject({ bridge: 'cni0', isGateway: false, ipMasq: false, vlan: 0, vlanTrunk: [], ipamType: undefined, mtu: undefined, dns: undefined });
  });
  it('makes isDefaultGateway imply isGateway', () => {
    expect(parseBridgeConfig(req({ isDefaultGateway: true })).isGateway).toBe(true);
  });
  it('expands, sorts and deduplicates vlanTrunk', () => {
    expect(parseBridgeConfig(req({ vlanTrunk: [{ id: 9 }, { minID: 3, maxID: 5 }, { id: 4 }] })).vlanTrunk).toEqual([3, 4, 5, 9]);
  });
  it('accepts a VLAN gateway name of 15 bytes, and a long bridge name without a VLAN gateway', () => {
    expect(parseBridgeConfig(req({ bridge: 'bridge-012', vlan: 4000, isGateway: true, ipam: { type: 'host-local' } })).vlan).toBe(4000);
    expect(parseBridgeConfig(req({ bridge: 'bridge-0123', vlan: 4000 })).vlan).toBe(4000);
  });
  it('keeps a dns override only when a field is set', () => {
    expect(parseBridgeConfig(req({ dns: {} })).dns).toBeUndefined();
    expect(parseBridgeConfig(req({ dns: { nameservers: ['10.0.0.53'] } })).dns).toEqual({ nameservers: ['10.0.0.53'] });
  });
  it.each([
    [{ vlan: 4095 }, 'invalid vlan 4095'],
    [{ vlan: -1 }, 'invalid vlan -1'],
    [{ vlan: 'x' }, 'invalid vlan "x"'],
    [{ vlanTrunk: [{ minID: 5 }] }, 'minID and maxID must be given together'],
    [{ vlanTrunk: [{ minID: 6, maxID: 5 }] }, 'minID must not be greater than maxID'],
    [{ vlanTrunk: [{ id: 0 }] }, 'invalid vlanTrunk[0].id 0'],
    [{ hairpinMode: true, promiscMode: true }, 'cannot set hairpin mode and promiscuous mode'],
    [{ disableContainerInterface: true, ipam: { type: 'host-local' } }, 'disableContainerInterface'],
    [{ ipMasqBackend: 'pf' }, 'invalid ipMasqBackend "pf"'],
    [{ isGateway: 'yes' }, 'invalid isGateway "yes"'],
    [{ bridge: 'a-very-long-bridge-name' }, 'invalid bridge'],
    [{ mtu: 70000 }, 'invalid mtu 70000'],
    [{ bridge: 'bridge-0123', vlan: 4000, isGateway: true, ipam: { type: 'host-local' } }, 'with vlan 4000 and isGateway'],
  ])('rejects %j with code 7', (extra, text) => {
    let err: unknown;
    try {
      parseBridgeConfig(req(extra));
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 7 });
    expect(String((err as Error).message)).toContain(text);
  });
});

describe('parseBridgeConfig messages', () => {
  it.each([
    [{ vlanTrunk: [{ minID: 5000, maxID: 5001 }] }, 'invalid vlanTrunk[0].minID 5000: expected an integer from 1 to 4094'],
    [{ vlanTrunk: ['x'] }, 'invalid vlanTrunk[0] "x": expected {"id": N} or {"minID": N, "maxID": M}'],
    [{ vlanTrunk: [{}] }, 'invalid vlanTrunk[0] {}: expected {"id": N} or {"minID": N, "maxID": M}'],
    [{ dns: { nameservers: [5] } }, 'invalid dns.nameservers[0] 5: expected a string'],
    [{ ipam: [] }, 'invalid ipam []: expected a JSON object'],
    [{ ipMasqBackend: 'pf' }, 'invalid ipMasqBackend "pf": expected one of "iptables", "nftables"'],
    [{ mtu: 1.5 }, 'invalid mtu 1.5: expected an integer from 0 to 65535'],
  ])('names the key path, the value and what was expected for %j', (extra, message) => {
    expect(() => parseBridgeConfig(req(extra))).toThrow(expect.objectContaining({ code: 7, message }));
  });
  it('takes null as absent and accepts keys it does not know, as the Go plugin does', () => {
    expect(parseBridgeConfig(req({ vlan: null, mtu: null, isGatway: true, dns: { domain: null } }))).toMatchObject({ vlan: 0, mtu: undefined, isGateway: false, dns: undefined });
    expect(parseBridgeConfig(req({ ipMasqBackend: '', bridge: '' }))).toMatchObject({ ipMasqBackend: undefined, bridge: 'cni0' });
  });
});

describe('parseAttachmentSettings', () => {
  it('takes the MAC from CNI_ARGS < args.cni.mac < runtimeConfig.mac', () => {
    expect(parseAttachmentSettings(req({}, 'IgnoreUnknown=1;MAC=0A:00:00:00:00:01')).mac).toBe('0a:00:00:00:00:01');
    expect(parseAttachmentSettings(req({ args: { cni: { mac: '0a:00:00:00:00:02' } } }, 'MAC=0a:00:00:00:00:01')).mac).toBe('0a:00:00:00:00:02');
    expect(
      parseAttachmentSettings(req({ args: { cni: { mac: '0a:00:00:00:00:02' } }, runtimeConfig: { mac: '0a:00:00:00:00:03' } }, 'MAC=0a:00:00:00:00:01')).mac,
    ).toBe('0a:00:00:00:00:03');
    expect(parseAttachmentSettings(req({})).mac).toBeUndefined();
  });
  it('rejects a malformed MAC naming its source', () => {
    expect(() => parseAttachmentSettings(req({}, 'MAC=zz'))).toThrow('invalid CNI_ARGS MAC "zz"');
  });
});

describe('parseBridgeConfig: ipam.type (issue 17)', () => {
  it.each(['../host-local', '/bin/sh', 'a b', 'a;id', 'host-local\0', '..'])('refuses ipam.type %j with code 7 before anything runs', (type) => {
    expect(() => parseBridgeConfig(req({ ipam: { type } }))).toThrow(expect.objectContaining({ code: 7, msg: `invalid ipam.type ${JSON.stringify(type)}` }));
  });
});
