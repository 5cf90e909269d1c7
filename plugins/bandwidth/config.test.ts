import { describe, expect, it } from 'vitest';
import { type AttachmentRequest, CniError, type ConfigRequest, parseCniArgs } from '../../lib/cni/index.ts';
import { parseBandwidthConfig, requirePrevResult } from './config.ts';

function req(extra: Record<string, unknown>): AttachmentRequest {
  const config = { cniVersion: '1.0.0', name: 'net', type: 'bandwidth', ...extra };
  const base: ConfigRequest = { command: 'ADD', config, stdin: Buffer.from(JSON.stringify(config)), cniVersion: '1.0.0', path: [], env: {} };
  return { ...base, containerId: 'c1', netns: '/run/netns/p', ifname: 'eth0', args: parseCniArgs(undefined) };
}

function codeAndMsg(fn: () => unknown): { code: number; msg: string; details: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof CniError) return { code: e.code, msg: e.msg, details: e.details ?? '' };
    throw e;
  }
  throw new Error('expected a CniError');
}

describe('parseBandwidthConfig', () => {
  it('asks for nothing without any key', () => {
    expect(parseBandwidthConfig(req({}))).toEqual({ ingress: undefined, egress: undefined });
  });

  it('reads the top-level keys', () => {
    expect(parseBandwidthConfig(req({ ingressRate: 8000000, ingressBurst: 80000, egressRate: 1000, egressBurst: 2000 }))).toEqual({
      ingress: { rateBits: 8000000, burstBits: 80000 },
      egress: { rateBits: 1000, burstBits: 2000 },
    });
  });

  it('reads the capability in containerd\'s PascalCase and CRI-O\'s camelCase', () => {
    const containerd = { bandwidth: { IngressRate: 10000000, IngressBurst: 4294967295, EgressRate: 0, EgressBurst: 0 } };
    expect(parseBandwidthConfig(req({ runtimeConfig: containerd }))).toEqual({ ingress: { rateBits: 10000000, burstBits: 4294967295 }, egress: undefined });
    const crio = { bandwidth: { ingressRate: 0, ingressBurst: 0, egressRate: 5000000, egressBurst: 34359738359 } };
    expect(parseBandwidthConfig(req({ runtimeConfig: crio }))).toEqual({ ingress: undefined, egress: { rateBits: 5000000, burstBits: 34359738359 } });
  });

  it('folds case as Go does: the last of two spellings wins', () => {
    expect(parseBandwidthConfig(req({ runtimeConfig: { bandwidth: { ingressrate: 1000, INGRESSRATE: 2000, ingressBurst: 800 } } })).ingress).toEqual({ rateBits: 2000, burstBits: 800 });
  });

  it('folds the case of runtimeConfig and bandwidth too (Go matches every key so)', () => {
    expect(parseBandwidthConfig(req({ RuntimeConfig: { Bandwidth: { egressrate: 8000, EGRESSBURST: 800 } } })).egress).toEqual({ rateBits: 8000, burstBits: 800 });
  });

  it('uses the capability only when no top-level key is there, even 0 (Go\'s embedded entry)', () => {
    const runtimeConfig = { bandwidth: { ingressRate: 1000, ingressBurst: 800 } };
    expect(parseBandwidthConfig(req({ egressRate: 0, runtimeConfig }))).toEqual({ ingress: undefined, egress: undefined });
    expect(parseBandwidthConfig(req({ runtimeConfig })).ingress).toEqual({ rateBits: 1000, burstBits: 800 });
  });

  it.each([
    [{ ingressRate: -1, ingressBurst: 8 }, 'invalid ingressRate -1'],
    [{ egressRate: 1000, egressBurst: '8000' }, 'invalid egressBurst "8000"'],
    [{ egressRate: 1.5, egressBurst: 8000 }, 'invalid egressRate 1.5'],
    [{ ingressRate: 1000, ingressBurst: 0 }, 'invalid ingressBurst 0'],
    [{ ingressRate: 1000 }, 'invalid ingressBurst 0'],
    [{ egressBurst: 1000 }, 'invalid egressRate 0'],
    [{ ingressRate: 1000, ingressBurst: 34359738360 }, 'invalid ingressBurst 34359738360'],
    [{ ingressRate: 7, ingressBurst: 8000 }, 'invalid ingressRate 7'],
    [{ ingressRate: 1000, ingressBurst: 7 }, 'invalid ingressBurst 7'],
    [{ runtimeConfig: { bandwidth: { IngressRate: 1000 } } }, 'invalid runtimeConfig.bandwidth.ingressBurst 0'],
    [{ runtimeConfig: { bandwidth: { EgressRate: -5, EgressBurst: 1 } } }, 'invalid runtimeConfig.bandwidth.egressRate -5'],
    [{ runtimeConfig: { bandwidth: 'fast' } }, 'invalid runtimeConfig.bandwidth "fast"'],
  ])('refuses %j with code 7 naming the key', (extra, msg) => {
    const r = codeAndMsg(() => parseBandwidthConfig(req(extra)));
    expect(r.code).toBe(7);
    expect(r.msg).toBe(msg);
  });

  it('accepts CRI-O\'s largest burst and says the 4 GB limit', () => {
    expect(parseBandwidthConfig(req({ ingressRate: 1000, ingressBurst: 34359738359 })).ingress?.burstBits).toBe(34359738359);
    expect(codeAndMsg(() => parseBandwidthConfig(req({ ingressRate: 1000, ingressBurst: 34359738360 }))).details).toContain('4GB');
  });

  it('needs prevResult', () => {
    expect(codeAndMsg(() => requirePrevResult(req({}))).code).toBe(7);
    expect(requirePrevResult(req({ prevResult: { cniVersion: '1.0.0', interfaces: [{ name: 'veth1' }] } })).interfaces?.[0]?.name).toBe('veth1');
  });
});
