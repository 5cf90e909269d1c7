import { describe, expect, it } from 'vitest';
import { expectGenerated, parseGeneratedConflist } from './podman-conflist.ts';

// Shaped as podman 4.3.1 writes it (shared/docs/real-configs.md section 1.1).
const isolated = JSON.stringify({
  args: { podman_options: { isolate: 'true' } },
  cniVersion: '0.4.0',
  name: 'isoA',
  plugins: [
    {
      type: 'bridge', bridge: 'cni-podman2', isGateway: true, ipMasq: true, hairpinMode: true,
      ipam: { type: 'host-local', routes: [{ dst: '0.0.0.0/0' }], ranges: [[{ subnet: 'fd15::/64' }], [{ subnet: '10.89.1.0/24', gateway: '10.89.1.1' }]] },
      capabilities: { ips: true },
    },
    { type: 'portmap', capabilities: { portMappings: true } },
    { type: 'firewall', backend: '', ingressPolicy: 'same-bridge' },
    { type: 'tuning' },
  ],
});

describe('parseGeneratedConflist', () => {
  it('reads the chain, bridge, first IPv4 range and ingressPolicy', () => {
    expect(parseGeneratedConflist(isolated)).toEqual({
      name: 'isoA', cniVersion: '0.4.0', types: ['bridge', 'portmap', 'firewall', 'tuning'],
      bridge: 'cni-podman2', subnet: '10.89.1.0/24', gateway: '10.89.1.1', ipMasq: true, ingressPolicy: 'same-bridge',
    });
  });

  it('names what is missing', () => {
    expect(() => parseGeneratedConflist('{"plugins":[{"type":"portmap"}]}')).toThrow(/no bridge plugin/);
    expect(() => parseGeneratedConflist('{"plugins":[{"type":"bridge","ipam":{"ranges":[[{"subnet":"fd00::/64"}]]}}]}')).toThrow(/no IPv4 range/);
    expect(() => parseGeneratedConflist('{}')).toThrow(/no plugins array/);
  });
});

describe('expectGenerated', () => {
  const net = parseGeneratedConflist(isolated);

  it('accepts podman\'s chain with the expected ingressPolicy', () => {
    expect(expectGenerated(net, 'same-bridge')).toContain('bridge → portmap → firewall → tuning');
  });

  it('fails on another policy or chain', () => {
    expect(() => expectGenerated(net, '')).toThrow(/ingressPolicy "same-bridge", expected ""/);
    expect(() => expectGenerated({ ...net, types: ['bridge', 'portmap'] }, 'same-bridge')).toThrow(/chain bridge → portmap/);
  });
});
