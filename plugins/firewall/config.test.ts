import { describe, expect, it } from 'vitest';
import { type AttachmentRequest, type ConfigRequest, isCniError, parseCniArgs } from '../../lib/cni/index.ts';
import { parseFirewallConfig, requirePrevResult } from './config.ts';
import { planForward, planGc, planGcTeardowns, planTeardown } from './plan.ts';
import { ipToString, parseIp } from '../../lib/addr/index.ts';

function req(extra: Record<string, unknown>): AttachmentRequest {
  const config = { cniVersion: '0.4.0', name: 'podman', type: 'firewall', ...extra };
  const base: ConfigRequest = { command: 'ADD', config, stdin: Buffer.from('{}'), cniVersion: '0.4.0', path: [], env: {} };
  return { ...base, containerId: 'c1', netns: '/run/netns/p', ifname: 'eth0', args: parseCniArgs('') };
}

function codeAndMsg(fn: () => unknown): [number, string] {
  try {
    fn();
  } catch (e) {
    if (isCniError(e)) return [e.code, e.msg];
    throw e;
  }
  throw new Error('did not throw');
}

/** A 0.4.0 result as podman's bridge passes it on: bridge, host veth, pod interface. */
const PREV = {
  cniVersion: '0.4.0',
  interfaces: [{ name: 'cni-podman1' }, { name: 'veth1' }, { name: 'eth0', sandbox: '/run/netns/p' }],
  ips: [{ version: '4', address: '10.89.0.5/24', interface: 2 }, { version: '6', address: 'fd00::5/64', interface: 2 }],
};

describe('parseFirewallConfig', () => {
  it('reads podman\'s config ({"backend": ""}) with Go\'s defaults', () => {
    expect(parseFirewallConfig(req({ backend: '' }))).toEqual({
      network: 'podman',
      backend: undefined,
      adminChain: 'CNI-ADMIN',
      firewalldZone: 'trusted',
      ingressPolicy: 'open',
      stateDir: '/run/cni-ts/firewall',
    });
    expect(parseFirewallConfig(req({ stateDir: '/tmp/fw' })).stateDir).toBe('/tmp/fw');
  });

  it.each([
    [{ backend: 'ebtables' }, 'invalid backend "ebtables"'],
    [{ backend: 1 }, 'invalid backend 1'],
    [{ ingressPolicy: 'closed' }, 'invalid ingressPolicy "closed"'],
    [{ ingressPolicy: true }, 'invalid ingressPolicy true'],
    [{ iptablesAdminChainName: 7 }, 'invalid iptablesAdminChainName 7'],
    [{ iptablesAdminChainName: 'FORWARD' }, 'invalid iptablesAdminChainName "FORWARD"'],
    [{ iptablesAdminChainName: 'has space' }, 'invalid iptablesAdminChainName "has space"'],
    [{ iptablesAdminChainName: 'A'.repeat(29) }, `invalid iptablesAdminChainName "${'A'.repeat(29)}"`],
    [{ firewalldZone: [] }, 'invalid firewalldZone []'],
  ])('%j is code 7 naming the key', (extra, msg) => {
    expect(codeAndMsg(() => parseFirewallConfig(req(extra)))).toEqual([7, msg]);
  });

  it('requires prevResult for ADD and CHECK with Go\'s message', () => {
    expect(codeAndMsg(() => requirePrevResult(req({})))).toEqual([7, 'missing prevResult from earlier plugin']);
  });
});

describe('planForward', () => {
  it('takes every address of prevResult and the first interface as the bridge to isolate', () => {
    const r = req({ ingressPolicy: 'same-bridge', prevResult: PREV });
    const spec = planForward(parseFirewallConfig(r), r, requirePrevResult(r));
    expect(spec.ips.map((ip) => `${ip.family}`)).toEqual(['4', '6']);
    expect(spec.isolation).toEqual({ policy: 'same-bridge', bridge: 'cni-podman1' });
    expect({ network: spec.network, containerId: spec.containerId, ifname: spec.ifname, adminChain: spec.adminChain }).toEqual({
      network: 'podman',
      containerId: 'c1',
      ifname: 'eth0',
      adminChain: 'CNI-ADMIN',
    });
  });

  it('an ingress policy without interfaces in prevResult is code 7 telling to chain after bridge', () => {
    const r = req({ ingressPolicy: 'isolated', prevResult: { cniVersion: '0.4.0', ips: PREV.ips.map(({ interface: _unused, ...ip }) => ip) } });
    const [code, msg] = codeAndMsg(() => planForward(parseFirewallConfig(r), r, requirePrevResult(r)));
    expect(code).toBe(7);
    expect(msg).toContain('make sure to chain "firewall" plugin with "bridge"');
  });

  it('a bridge name the kernel would not accept is code 7 before any rule is written', () => {
    const r = req({ ingressPolicy: 'same-bridge', prevResult: { ...PREV, interfaces: [{ name: 'a-name-far-too-long' }, ...PREV.interfaces.slice(1)] } });
    expect(codeAndMsg(() => planForward(parseFirewallConfig(r), r, requirePrevResult(r)))).toEqual([7, 'invalid prevResult.interfaces[0].name "a-name-far-too-long"']);
  });

  it('an address in prevResult that is not a CIDR cannot be decoded (code 6), before any rule', () => {
    const r = req({ prevResult: { cniVersion: '0.4.0', ips: [{ version: '4', address: '10.1.0.5/24' }, { version: '4', address: 'bogus' }] } });
    const [code, msg] = codeAndMsg(() => planForward(parseFirewallConfig(r), r, requirePrevResult(r)));
    expect(code).toBe(6);
    expect(msg).toContain('prevResult.ips[1].address');
  });

  it('open needs no interface; a 0.2.0 result (ip4 only) gives its address', () => {
    const r = req({ cniVersion: '0.2.0', prevResult: { cniVersion: '0.2.0', ip4: { ip: '10.1.0.5/16' } } });
    expect(planForward(parseFirewallConfig(r), r, requirePrevResult(r)).ips).toHaveLength(1);
  });

  it('planTeardown without prevResult has no addresses and no isolation (the per-bridge rules stay)', () => {
    const r = req({ ingressPolicy: 'same-bridge' });
    const spec = planTeardown(parseFirewallConfig(r), r, undefined);
    expect(spec.ips).toEqual([]);
    expect(spec.isolation).toBeUndefined();
  });

  it('planTeardown takes prevResult\'s addresses over the recorded ones, and the recorded ones without prevResult', () => {
    const r = req({});
    const cfg = parseFirewallConfig(r);
    const recorded = [parseIp('10.89.0.9')];
    expect(planTeardown(cfg, r, PREV, recorded).ips.map(ipToString)).toEqual(['10.89.0.5', 'fd00::5']);
    expect(planTeardown(cfg, r, undefined, recorded).ips.map(ipToString)).toEqual(['10.89.0.9']);
  });

  it('planGcTeardowns: iptables records of invalid attachments, without an address a valid attachment recorded', () => {
    const cfg = parseFirewallConfig(req({}));
    const owner = (containerId: string) => ({ network: 'podman', containerId, ifname: 'eth0' });
    const specs = planGcTeardowns(cfg, {
      stale: [
        { owner: owner('a'), record: { backend: 'iptables', ips: [parseIp('10.89.0.7'), parseIp('10.89.0.8')] } },
        { owner: owner('b'), record: { backend: 'nftables', ips: [parseIp('10.89.0.9')] } },
        { owner: owner('c'), record: undefined },
        { owner: owner('d'), record: { backend: 'iptables', ips: [parseIp('10.89.0.8')] } },
      ],
      addressesInUse: new Set(['10.89.0.8']),
      unrecordedValid: [],
    });
    expect(specs.map((s) => [s.containerId, s.ips.map(ipToString)])).toEqual([['a', ['10.89.0.7']]]);
    expect(specs[0]).toMatchObject({ network: 'podman', ifname: 'eth0', adminChain: 'CNI-ADMIN' });
  });

  it('planGc: with every valid attachment recorded, tears down and forgets every stale record', () => {
    const cfg = parseFirewallConfig(req({}));
    const owner = (containerId: string) => ({ network: 'podman', containerId, ifname: 'eth0' });
    const plan = planGc(cfg, {
      stale: [
        { owner: owner('a'), record: { backend: 'iptables', ips: [parseIp('10.89.0.7')] } },
        { owner: owner('b'), record: { backend: 'nftables', ips: [parseIp('10.89.0.9')] } },
      ],
      addressesInUse: new Set(),
      unrecordedValid: [],
    });
    expect(plan.teardowns.map((t) => t.containerId)).toEqual(['a']);
    expect(plan.forget.map((o) => o.containerId)).toEqual(['a', 'b']);
    expect(plan.kept).toEqual([]);
  });

  it('planGc: a valid attachment without a record (a Go ADD) keeps the iptables teardowns and their records for a later GC', () => {
    const cfg = parseFirewallConfig(req({}));
    const owner = (containerId: string) => ({ network: 'podman', containerId, ifname: 'eth0' });
    const plan = planGc(cfg, {
      stale: [
        { owner: owner('a'), record: { backend: 'iptables', ips: [parseIp('10.89.0.7')] } },
        { owner: owner('b'), record: { backend: 'nftables', ips: [parseIp('10.89.0.9')] } },
        { owner: owner('c'), record: undefined },
        { owner: owner('d'), record: { backend: 'iptables', ips: [parseIp('10.89.0.8')] } },
      ],
      addressesInUse: new Set(['10.89.0.8']),
      unrecordedValid: [{ containerId: 'go-made', ifname: 'eth0' }],
    });
    expect(plan.teardowns).toEqual([]);
    expect(plan.kept.map((t) => [t.containerId, t.ips.map(ipToString)])).toEqual([['a', ['10.89.0.7']]]);
    // nftables rules carry their owner, a damaged record names no address, d's address is a recorded live pod's
    expect(plan.forget.map((o) => o.containerId)).toEqual(['b', 'c', 'd']);
  });
});
