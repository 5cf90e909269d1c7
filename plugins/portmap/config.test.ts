import { describe, expect, it } from 'vitest';
import { type AttachmentRequest, type ConfigRequest, parseCniArgs } from '../../lib/cni/index.ts';
import { parseMappings, parsePortmapConfig } from './config.ts';

function req(extra: Record<string, unknown>): AttachmentRequest {
  const config = { cniVersion: '1.1.0', name: 'net', type: 'portmap', ...extra };
  const base: ConfigRequest = { command: 'ADD', config, stdin: Buffer.from('{}'), cniVersion: '1.1.0', path: [], env: {} };
  return { ...base, containerId: 'c', netns: '/run/netns/p', ifname: 'eth0', args: parseCniArgs('') };
}

describe('parseMappings', () => {
  it('reads containerd capitalised keys and podman lowerCamel keys alike', () => {
    expect(
      parseMappings([
        { HostPort: 18180, ContainerPort: 80, Protocol: 'TCP', HostIP: '' },
        { hostPort: 18153, containerPort: 53, protocol: 'udp', hostIP: '127.0.0.1' },
      ]),
    ).toEqual([
      { hostPort: 18180, containerPort: 80, protocol: 'tcp' },
      { hostPort: 18153, containerPort: 53, protocol: 'udp', hostIP: '127.0.0.1' },
    ]);
  });
  it('defaults the protocol to tcp', () => {
    expect(parseMappings([{ hostPort: 1, containerPort: 2 }])).toEqual([{ hostPort: 1, containerPort: 2, protocol: 'tcp' }]);
  });
  it.each([
    [{ hostPort: 0, containerPort: 80 }, 'invalid runtimeConfig.portMappings[0].hostPort 0: expected a port from 1 to 65535'],
    [{ HostPort: 0, ContainerPort: 80 }, 'invalid runtimeConfig.portMappings[0].hostPort 0: expected a port from 1 to 65535'],
    [{ hostPort: 8080, containerPort: 0 }, 'invalid runtimeConfig.portMappings[0].containerPort 0: expected a port from 1 to 65535'],
    [{ hostPort: 8080.5, containerPort: 80 }, 'invalid runtimeConfig.portMappings[0].hostPort 8080.5: expected a port from 1 to 65535'],
  ])('issue 17: refuses %j with code 7 (a mapping of port 0 is a mistake, as in Go)', (entry, message) => {
    expect(() => parseMappings([entry])).toThrow(expect.objectContaining({ code: 7, message }));
  });
  it.each([
    [{ hostPort: 65536, containerPort: 80 }, 'hostPort'],
    [{ hostPort: -1, containerPort: 80 }, 'hostPort'],
    [{ hostPort: 80, containerPort: 0 }, 'containerPort'],
    [{ hostPort: 80, containerPort: 80, protocol: 'icmp' }, 'protocol'],
    [{ hostPort: 80, containerPort: 80, hostIP: 'nope' }, 'hostIP'],
    ['x', 'portMappings[0]'],
  ])('rejects %j with code 7 naming the key', (entry, key) => {
    expect(() => parseMappings([entry])).toThrow(expect.objectContaining({ code: 7, message: expect.stringContaining(key) }));
  });
});

describe('parseMappings messages', () => {
  it.each([
    [{ HostPort: 70000, ContainerPort: 80 }, 'invalid runtimeConfig.portMappings[0].hostPort 70000: expected a port from 1 to 65535'],
    [{ hostPort: 80, containerPort: 80, Protocol: 'ICMP' }, 'invalid runtimeConfig.portMappings[0].protocol "ICMP": expected tcp, udp or sctp'],
    [{ hostPort: 80 }, 'missing runtimeConfig.portMappings[0].containerPort: expected a port from 1 to 65535'],
    ['x', 'invalid runtimeConfig.portMappings[0] "x": expected an object with hostPort, containerPort and protocol'],
  ])('names the key path, the value and what was expected for %j', (entry, message) => {
    expect(() => parseMappings([entry])).toThrow(expect.objectContaining({ code: 7, message }));
  });
});

describe('parsePortmapConfig', () => {
  it('applies the defaults', () => {
    expect(parsePortmapConfig(req({}))).toMatchObject({ snat: true, masqAll: false, markMasqBit: 13, backend: undefined, mappings: [] });
  });
  it('reads its keys and the mappings, and names a bad key', () => {
    const c = parsePortmapConfig(req({ snat: false, conditionsV4: ['-s', '10.0.0.0/8'], backend: 'nftables', runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80 }] } }));
    expect(c).toMatchObject({ snat: false, conditionsV4: ['-s', '10.0.0.0/8'], conditionsV6: undefined, backend: 'nftables', mappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] });
    expect(() => parsePortmapConfig(req({ markMasqBit: 32 }))).toThrow(expect.objectContaining({ code: 7, message: 'invalid markMasqBit 32: expected an integer from 0 to 31' }));
    expect(() => parsePortmapConfig(req({ conditionsV4: [1] }))).toThrow(expect.objectContaining({ code: 7, message: 'invalid conditionsV4[0] 1: expected a string' }));
  });
  it('refuses markMasqBit together with externalSetMarkChain', () => {
    expect(() => parsePortmapConfig(req({ markMasqBit: 5, externalSetMarkChain: 'KUBE-MARK-MASQ' }))).toThrow(expect.objectContaining({ code: 7 }));
  });
});
