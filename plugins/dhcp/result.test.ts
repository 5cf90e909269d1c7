import { describe, expect, it } from 'vitest';
import { resultOfLease } from './result.ts';

describe('resultOfLease', () => {
  const lease = {
    address: '192.168.77.122',
    prefix: 24,
    router: '192.168.77.1',
    routes: [
      { dst: '10.99.0.0/16', gw: '192.168.77.1' },
      { dst: '10.1.0.0/16', gw: '0.0.0.0' },
    ],
    dnsServers: ['192.168.77.53'],
    domain: 'example.test',
    leaseSeconds: 60,
    boundAt: 0,
  };

  it('gives the address with the router as gateway, on-link routes with link scope, DNS', () => {
    expect(resultOfLease(lease, 0)).toEqual({
      cniVersion: '1.1.0',
      ips: [{ address: '192.168.77.122/24', gateway: '192.168.77.1' }],
      routes: [
        { dst: '10.99.0.0/16', gw: '192.168.77.1' },
        { dst: '10.1.0.0/16', scope: 253 },
      ],
      dns: { nameservers: ['192.168.77.53'], domain: 'example.test' },
    });
  });

  it('puts the priority on every route; no router means no gateway', () => {
    const { router: _r, domain: _d, ...bare } = lease;
    const r = resultOfLease({ ...bare, dnsServers: [] }, 100);
    expect(r.ips).toEqual([{ address: '192.168.77.122/24' }]);
    expect(r.routes?.every((x) => x.priority === 100)).toBe(true);
    expect(r.dns).toEqual({});
  });
});
