import { describe, expect, it } from 'vitest';
import { type ConfigRequest, CniError } from '../../lib/cni/index.ts';
import { parsePtpConfig } from './config.ts';
import { planAddresses, planPtp } from './plan.ts';

function req(extra: Record<string, unknown>): ConfigRequest {
  const config = { cniVersion: '1.1.0', name: 'net', type: 'ptp', ipam: { type: 'host-local' }, ...extra };
  return { command: 'ADD', config, stdin: Buffer.from(JSON.stringify(config)), cniVersion: '1.1.0', path: [], env: {} };
}

function codeOf(f: () => unknown): { code: number; msg: string } | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof CniError) return { code: e.code, msg: e.msg };
    throw e;
  }
  return undefined;
}

describe('parsePtpConfig', () => {
  it('applies the reference defaults', () => {
    expect(parsePtpConfig(req({}))).toEqual({ network: 'net', ipMasq: false, ipMasqBackend: undefined, mtu: undefined, ipamType: 'host-local', dns: undefined });
  });
  it('reads every key', () => {
    const c = parsePtpConfig(req({ ipMasq: true, ipMasqBackend: 'nftables', mtu: 1400, dns: { nameservers: ['10.0.0.53'], search: [] } }));
    expect(c).toMatchObject({ ipMasq: true, ipMasqBackend: 'nftables', mtu: 1400, dns: { nameservers: ['10.0.0.53'] } });
  });
  it.each([
    [{ ipam: undefined }, 'missing ipam'],
    [{ ipam: {} }, 'missing ipam.type'],
    [{ ipam: { type: '' } }, 'invalid ipam.type ""'],
    [{ mtu: 10 }, 'invalid mtu 10'],
    [{ mtu: 70000 }, 'invalid mtu 70000'],
    [{ mtu: -1 }, 'invalid mtu -1'],
    [{ mtu: '1500' }, 'invalid mtu "1500"'],
    [{ ipMasq: 'true' }, 'invalid ipMasq "true"'],
    [{ ipMasqBackend: 'pf' }, 'invalid ipMasqBackend "pf"'],
    [{ dns: { nameservers: '1.1.1.1' } }, 'invalid dns.nameservers "1.1.1.1"'],
  ])('rejects %j with code 7: %s', (extra, msg) => {
    expect(codeOf(() => parsePtpConfig(req(extra)))).toEqual({ code: 7, msg });
  });
});

describe('planPtp', () => {
  it('takes the MTU for the veth pair and masquerades only with ipMasq', () => {
    const p = planPtp(parsePtpConfig(req({ mtu: 1400, ipMasq: true })), 'eth1');
    expect(p.veth).toEqual({ ifname: 'eth1', mtu: 1400 });
    expect(p.masquerade).toEqual({ backend: undefined });
    expect(planPtp(parsePtpConfig(req({})), 'eth0').masquerade).toBeUndefined();
  });
});

describe('planAddresses', () => {
  const dual = {
    cniVersion: '1.1.0',
    ips: [
      { address: '10.244.1.5/24', gateway: '10.244.1.1' },
      { address: 'fd00:10:244:1::5/64', gateway: 'fd00:10:244:1::1' },
    ],
    routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0' }, { dst: '192.0.2.0/24', gw: '10.244.1.9' }],
  };

  it('puts every address on the container interface (index 1) and keeps IPAM routes as they are', () => {
    const a = planAddresses('host-local', dual);
    expect(a.ips).toEqual([
      { address: '10.244.1.5/24', gateway: '10.244.1.1', interface: 1 },
      { address: 'fd00:10:244:1::5/64', gateway: 'fd00:10:244:1::1', interface: 1 },
    ]);
    expect(a.routes).toEqual(dual.routes);
    expect(a.families).toEqual([4, 6]);
  });

  it('gives each address a peer on the host end: the gateway, with the subnet routed through it', () => {
    expect(planAddresses('host-local', dual).peers).toEqual([
      { family: 4, ip: '10.244.1.5', subnet: '10.244.1.0/24', peer: '10.244.1.1' },
      { family: 6, ip: 'fd00:10:244:1::5', subnet: 'fd00:10:244:1::/64', peer: 'fd00:10:244:1::1' },
    ]);
  });

  it('routes without a gateway go via the first gateway of their family', () => {
    const { iface } = planAddresses('host-local', dual);
    expect(iface.addresses).toEqual([
      { ip: '10.244.1.5', prefixLength: 24 },
      { ip: 'fd00:10:244:1::5', prefixLength: 64 },
    ]);
    expect(iface.routes).toEqual([
      { dst: '0.0.0.0/0', gateway: '10.244.1.1' },
      { dst: '::/0', gateway: 'fd00:10:244:1::1' },
      { dst: '192.0.2.0/24', gateway: '10.244.1.9' },
    ]);
    expect(iface.ipv6).toBe(true);
  });

  it('masquerades each address with its prefix', () => {
    expect(planAddresses('host-local', dual).masq.map((m) => m.prefix)).toEqual([24, 64]);
  });

  it('fails when IPAM gives no address, or an address without a gateway', () => {
    expect(codeOf(() => planAddresses('static', { cniVersion: '1.1.0', ips: [] }))?.msg).toBe('IPAM plugin "static" returned missing IP config');
    expect(codeOf(() => planAddresses('static', { cniVersion: '1.1.0', ips: [{ address: '10.0.0.5/24' }] }))).toEqual({ code: 7, msg: 'IPAM plugin "static" returned 10.0.0.5/24 without a gateway' });
  });
});
