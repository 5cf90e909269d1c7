import { describe, expect, it } from 'vitest';
import { pluginConfFromObject } from './conf.ts';
import { attachmentRequest, gcRequest, runtimeConfigFor, statusRequest } from './request.ts';

const plugin = pluginConfFromObject({
  cniVersion: '0.3.1',
  name: 'ignored',
  type: 'portmap',
  capabilities: { portMappings: true, bandwidth: true, mac: false },
  snat: true,
});
const prev = { cniVersion: '1.0.0', ips: [{ address: '10.0.0.2/24' }] };
const caps = { portMappings: [{ hostPort: 80, containerPort: 8080, protocol: 'tcp' }], mac: '0a:00:00:00:00:01', ips: ['10.0.0.9'] };

describe('runtimeConfigFor', () => {
  it.each([
    ['only enabled capabilities the runtime supplied', caps, { portMappings: caps.portMappings }],
    ['nothing when no enabled capability was supplied', { mac: 'x' }, undefined],
    ['nothing without capability args', undefined, undefined],
    ['a null value as libcni does', { bandwidth: null }, { bandwidth: null }],
  ])('gives %s', (_name, args, expected) => {
    expect(runtimeConfigFor(plugin, args)).toEqual(expected);
  });
});

describe('request building', () => {
  it('ADD/CHECK/DEL: overwrites name and cniVersion, adds prevResult and runtimeConfig, keeps the rest', () => {
    const stdin = attachmentRequest(plugin, { name: 'net', cniVersion: '1.0.0', prevResult: prev, capabilityArgs: caps });
    expect(JSON.parse(stdin.toString())).toEqual({
      cniVersion: '1.0.0',
      name: 'net',
      type: 'portmap',
      capabilities: { portMappings: true, bandwidth: true, mac: false },
      snat: true,
      prevResult: prev,
      runtimeConfig: { portMappings: caps.portMappings },
    });
  });

  it('leaves prevResult and runtimeConfig out when there is none (and keeps a configured runtimeConfig)', () => {
    const p = pluginConfFromObject({ type: 'x', runtimeConfig: { admin: 1 } });
    expect(JSON.parse(attachmentRequest(p, { name: 'n', cniVersion: '0.4.0' }).toString())).toEqual({
      type: 'x',
      runtimeConfig: { admin: 1 },
      name: 'n',
      cniVersion: '0.4.0',
    });
  });

  it('GC: valid attachments under both keys, no runtimeConfig or prevResult', () => {
    const stdin = gcRequest(plugin, { name: 'net', cniVersion: '1.1.0' }, [{ containerId: 'c1', ifname: 'eth0' }]);
    const conf = JSON.parse(stdin.toString()) as Record<string, unknown>;
    expect(conf['cni.dev/valid-attachments']).toEqual([{ containerID: 'c1', ifname: 'eth0' }]);
    expect(conf['cni.dev/attachments']).toEqual([{ containerID: 'c1', ifname: 'eth0' }]);
    expect(conf).not.toHaveProperty('runtimeConfig');
    expect(conf).not.toHaveProperty('prevResult');
    expect(conf).toMatchObject({ name: 'net', cniVersion: '1.1.0', type: 'portmap' });
  });

  it('GC without a list of valid attachments leaves both keys out; an empty list is sent as []', () => {
    const none = JSON.parse(gcRequest(plugin, { name: 'net', cniVersion: '1.1.0' }, undefined).toString()) as Record<string, unknown>;
    expect(Object.keys(none).filter((k) => k.startsWith('cni.dev/'))).toEqual([]);
    const empty = JSON.parse(gcRequest(plugin, { name: 'net', cniVersion: '1.1.0' }, []).toString()) as Record<string, unknown>;
    expect(empty['cni.dev/valid-attachments']).toEqual([]);
  });

  it('STATUS: only name and cniVersion are injected', () => {
    expect(JSON.parse(statusRequest(plugin, { name: 'net', cniVersion: '1.1.0' }).toString())).toEqual({
      ...plugin.raw,
      name: 'net',
      cniVersion: '1.1.0',
    });
  });
});
