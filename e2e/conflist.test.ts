import { describe, expect, it } from 'vitest';
import { bridgeConflist, ipv4InSubnet, type BridgeNetwork } from './conflist.ts';

const net: BridgeNetwork = {
  name: 'n1',
  bridge: 'br1',
  subnet: '10.9.0.0/24',
  gateway: '10.9.0.1',
  ipamDir: '/tmp/ipam',
  cniVersion: '1.0.0',
  ipMasq: true,
};

describe('bridgeConflist', () => {
  it('chains bridge (host-local IPAM in the given dataDir) and portmap', () => {
    const c = bridgeConflist(net) as { name: string; cniVersion: string; plugins: Record<string, unknown>[] };
    expect(c.name).toBe('n1');
    expect(c.cniVersion).toBe('1.0.0');
    expect(c.plugins.map((p) => p.type)).toEqual(['bridge', 'portmap']);
    expect(c.plugins[0]).toMatchObject({
      bridge: 'br1',
      isGateway: true,
      ipMasq: true,
      hairpinMode: true,
      ipam: { type: 'host-local', dataDir: '/tmp/ipam', ranges: [[{ subnet: '10.9.0.0/24', gateway: '10.9.0.1' }]] },
    });
    expect(c.plugins[1]).toEqual({ type: 'portmap', capabilities: { portMappings: true }, stateDir: '/tmp/ipam-portmap' });
  });

  it('writes static port mappings into portmap only when given', () => {
    const c = bridgeConflist({ ...net, ipMasq: false, staticPortMappings: [{ hostPort: 1, containerPort: 2, protocol: 'tcp' }] }) as {
      plugins: Record<string, unknown>[];
    };
    expect(c.plugins[0]?.ipMasq).toBe(false);
    expect(c.plugins[1]?.runtimeConfig).toEqual({ portMappings: [{ hostPort: 1, containerPort: 2, protocol: 'tcp' }] });
    expect(bridgeConflist({ ...net, staticPortMappings: [] }).plugins).toEqual(bridgeConflist(net).plugins);
  });
});

describe('ipv4InSubnet', () => {
  it.each([
    ['10.9.0.7', '10.9.0.0/24', true],
    ['10.9.1.7', '10.9.0.0/24', false],
    ['10.9.1.7', '10.9.0.0/16', true],
    ['1.2.3.4', '0.0.0.0/0', true],
    ['10.9.0.7', '10.9.0.7/32', true],
    ['', '10.9.0.0/24', false],
    ['10.9.0.256', '10.9.0.0/24', false],
    ['10.9.0.7', '10.9.0.0/33', false],
  ])('%s in %s is %s', (ip, cidr, expected) => {
    expect(ipv4InSubnet(ip, cidr)).toBe(expected);
  });
});
