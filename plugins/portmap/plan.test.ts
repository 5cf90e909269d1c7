import { describe, expect, it } from 'vitest';
import { parseCidr } from '../../lib/addr/index.ts';
import type { Result } from '../../lib/cni/index.ts';
import type { PortMapping } from '../../lib/firewall/portmap/index.ts';
import type { PortmapConfig } from './config.ts';
import { conntrackFlushPlan, containerAddresses, hasContainerAddress, planPortmap, planTeardown } from './plan.ts';

const prev: Result = {
  cniVersion: '1.1.0',
  interfaces: [{ name: 'cni0' }, { name: 'eth0', sandbox: '/run/netns/p' }, { name: 'eth1', sandbox: '/run/netns/p' }],
  ips: [
    { address: '10.0.9.2/24', interface: 2 },
    { address: '10.0.0.2/24', interface: 1 },
    { address: '10.0.0.3/24', interface: 1 },
    { address: 'fd00::2/64' },
  ],
};

const cfg: PortmapConfig = {
  network: 'net',
  snat: true,
  masqAll: false,
  markMasqBit: 13,
  externalSetMarkChain: undefined,
  conditionsV4: undefined,
  conditionsV6: undefined,
  backend: undefined,
  stateDir: '/run/x',
  mappings: [
    { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
    { hostPort: 5353, containerPort: 53, protocol: 'udp' },
  ],
};

describe('containerAddresses', () => {
  it('takes the first address of each family on CNI_IFNAME inside a sandbox', () => {
    expect(containerAddresses(prev, 'eth0')).toEqual({ v4: parseCidr('10.0.0.2/24'), v6: parseCidr('fd00::2/64') });
  });
});

describe('planPortmap', () => {
  it('names the owner, carries the settings and leaves out what the config does not set', () => {
    const spec = planPortmap(cfg, { containerId: 'c', ifname: 'eth1' }, prev);
    expect(spec).toEqual({
      network: 'net',
      containerId: 'c',
      ifname: 'eth1',
      mappings: cfg.mappings,
      containerIPv4: parseCidr('10.0.9.2/24'),
      containerIPv6: parseCidr('fd00::2/64'),
      snat: true,
      masqAll: false,
      markMasqBit: 13,
    });
    expect(hasContainerAddress(spec)).toBe(true);
    expect(hasContainerAddress(planPortmap(cfg, { containerId: 'c', ifname: 'eth0' }, { cniVersion: '1.1.0' }))).toBe(false);
  });
});

describe('conntrackFlushPlan', () => {
  it('lists the UDP host ports in the families the pod has', () => {
    const spec = planPortmap(cfg, { containerId: 'c', ifname: 'eth0' }, { cniVersion: '1.1.0', ips: [{ address: '10.0.0.2/24' }] });
    expect(conntrackFlushPlan(spec)).toEqual({ families: [4], flows: [{ protocol: 'udp', port: 5353 }] });
  });

  it('lists SCTP host ports too, once each, and never TCP', () => {
    const mappings: PortMapping[] = [
      { hostPort: 3868, containerPort: 3868, protocol: 'sctp' },
      { hostPort: 3868, containerPort: 3868, protocol: 'tcp' },
      { hostPort: 3868, containerPort: 3869, protocol: 'sctp', hostIP: '192.0.2.1' },
      { hostPort: 2905, containerPort: 2905, protocol: 'udp' },
    ];
    const dual = { cniVersion: '1.1.0', ips: [{ address: '10.0.0.2/24' }, { address: 'fd00::2/64' }] };
    const spec = planPortmap({ ...cfg, mappings }, { containerId: 'c', ifname: 'eth0' }, dual);
    expect(conntrackFlushPlan(spec)).toEqual({
      families: [4, 6],
      flows: [
        { protocol: 'sctp', port: 3868 },
        { protocol: 'udp', port: 2905 },
      ],
    });
  });
});

describe('planTeardown', () => {
  const who = { containerId: 'c1', ifname: 'eth0' };
  it('removes what ADD recorded, in the recorded backend only', () => {
    const spec = planPortmap(cfg, who, prev);
    const plan = planTeardown(cfg, who, { backend: 'nftables', spec }, undefined);
    expect(plan).toEqual({ target: spec, backend: 'nftables', flush: { families: [4, 6], flows: [{ protocol: 'udp', port: 5353 }] } });
  });
  it('without a record, plans from prevResult, or by owner when there is none', () => {
    expect(planTeardown(cfg, who, undefined, prev)?.target).toEqual(planPortmap(cfg, who, prev));
    expect(planTeardown(cfg, who, undefined, undefined)).toEqual({
      target: { network: 'net', containerId: 'c1', ifname: 'eth0', mappings: cfg.mappings },
      backend: undefined,
      // found by owner: the pod's families are unknown, both are flushed
      flush: { families: [4, 6], flows: [{ protocol: 'udp', port: 5353 }] },
    });
  });
  it('has nothing to remove without a record and without mappings', () => {
    expect(planTeardown({ ...cfg, mappings: [] }, who, undefined, prev)).toBeUndefined();
  });
});
