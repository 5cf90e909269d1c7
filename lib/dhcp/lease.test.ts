import { describe, expect, it } from 'vitest';
import { BOOTREPLY, type DhcpMessage, Option, encodeClasslessRoutes, uint32Bytes } from './message.ts';
import { DEFAULT_LEASE_SECONDS, LeaseError, leaseFromAck, leasePhase, leaseTimes, nextStep } from './lease.ts';

const ip = (s: string) => Uint8Array.from(s.split('.').map(Number));

function ack(options: [number, Uint8Array][], yiaddr = '192.168.77.122'): DhcpMessage {
  return { op: BOOTREPLY, xid: 1, secs: 0, flags: 0, ciaddr: '0.0.0.0', yiaddr, siaddr: '0.0.0.0', giaddr: '0.0.0.0', chaddr: new Uint8Array(6), options: new Map(options) };
}

const basic: [number, Uint8Array][] = [
  [Option.SUBNET_MASK, ip('255.255.255.0')],
  [Option.SERVER_ID, ip('192.168.77.1')],
  [Option.ROUTERS, ip('192.168.77.1')],
  [Option.DNS_SERVERS, Buffer.concat([ip('192.168.77.53'), ip('8.8.8.8')])],
  [Option.DOMAIN_NAME, Buffer.from('example.test\0')],
  [Option.LEASE_TIME, uint32Bytes(100)],
];

describe('leaseFromAck', () => {
  it('takes address, prefix, router, DNS, domain and default T1/T2 from an ACK', () => {
    expect(leaseFromAck(ack(basic), 5000)).toEqual({
      address: '192.168.77.122',
      prefix: 24,
      serverId: '192.168.77.1',
      router: '192.168.77.1',
      routes: [{ dst: '0.0.0.0/0', gw: '192.168.77.1' }],
      dnsServers: ['192.168.77.53', '8.8.8.8'],
      domain: 'example.test',
      leaseSeconds: 100,
      t1Seconds: 50,
      t2Seconds: 87,
      boundAt: 5000,
    });
  });

  it('uses option 121 alone when present, option 33 plus the default otherwise', () => {
    const classless = encodeClasslessRoutes([{ dst: '10.99.0.0/16', gw: '192.168.77.1' }, { dst: '0.0.0.0/0', gw: '192.168.77.1' }]);
    const static33 = Uint8Array.of(10, 0, 0, 0, 192, 168, 77, 9);
    expect(leaseFromAck(ack([...basic, [Option.CLASSLESS_STATIC_ROUTES, classless], [Option.STATIC_ROUTES, static33]]), 0).routes).toEqual([
      { dst: '10.99.0.0/16', gw: '192.168.77.1' },
      { dst: '0.0.0.0/0', gw: '192.168.77.1' },
    ]);
    expect(leaseFromAck(ack([...basic, [Option.STATIC_ROUTES, static33]]), 0).routes).toEqual([
      { dst: '10.0.0.0/8', gw: '192.168.77.9' },
      { dst: '0.0.0.0/0', gw: '192.168.77.1' },
    ]);
    // a malformed 121 is ignored as if absent (RFC 3442)
    expect(leaseFromAck(ack([...basic, [Option.CLASSLESS_STATIC_ROUTES, Uint8Array.of(24, 10)]]), 0).routes).toEqual([{ dst: '0.0.0.0/0', gw: '192.168.77.1' }]);
  });

  it('takes T1 and T2 from the server when they fit, and an hour without option 51', () => {
    const l = leaseFromAck(ack([...basic, [Option.RENEWAL_TIME, uint32Bytes(10)], [Option.REBINDING_TIME, uint32Bytes(20)]]), 0);
    expect([l.t1Seconds, l.t2Seconds]).toEqual([10, 20]);
    const bad = leaseFromAck(ack([...basic, [Option.RENEWAL_TIME, uint32Bytes(90)], [Option.REBINDING_TIME, uint32Bytes(200)]]), 0);
    expect([bad.t1Seconds, bad.t2Seconds]).toEqual([50, 87]);
    const noLease = leaseFromAck(ack(basic.filter(([c]) => c !== Option.LEASE_TIME)), 0);
    expect(noLease.leaseSeconds).toBe(DEFAULT_LEASE_SECONDS);
  });

  it('refuses an ACK without a mask, server id or address', () => {
    expect(() => leaseFromAck(ack(basic.filter(([c]) => c !== Option.SUBNET_MASK)), 0)).toThrow('DHCP option Subnet Mask not found in DHCPACK');
    expect(() => leaseFromAck(ack(basic.filter(([c]) => c !== Option.SERVER_ID)), 0)).toThrow(LeaseError);
    expect(leaseFromAck(ack(basic.filter(([c]) => c !== Option.SERVER_ID)), 0, '10.0.0.1').serverId).toBe('10.0.0.1');
    expect(() => leaseFromAck(ack(basic, '0.0.0.0'), 0)).toThrow(/no address/);
  });
});

describe('lease timeline', () => {
  const lease = leaseFromAck(ack(basic), 1_000_000); // 100 s: T1 50 s, T2 87 s

  it('has the phases of RFC 2131 at the boundaries', () => {
    expect(leaseTimes(lease)).toEqual({ renewAt: 1_050_000, rebindAt: 1_087_000, expiresAt: 1_100_000 });
    expect(leasePhase(lease, 1_049_999)).toBe('bound');
    expect(leasePhase(lease, 1_050_000)).toBe('renewing');
    expect(leasePhase(lease, 1_087_000)).toBe('rebinding');
    expect(leasePhase(lease, 1_100_000)).toBe('expired');
  });

  it('waits for T1 when bound, then retries at half the time left, at least the minimum, never past the boundary', () => {
    expect(nextStep(lease, 1_000_000)).toEqual({ phase: 'renewing', at: 1_050_000 });
    expect(nextStep(lease, 1_050_000)).toEqual({ phase: 'renewing', at: 1_068_500 });
    expect(nextStep(lease, 1_086_500)).toEqual({ phase: 'renewing', at: 1_087_000 });
    expect(nextStep(lease, 1_087_000)).toEqual({ phase: 'rebinding', at: 1_093_500 });
    expect(nextStep(lease, 1_098_000, 1000)).toEqual({ phase: 'rebinding', at: 1_099_000 });
    expect(nextStep(lease, 1_100_000)).toEqual({ phase: 'expired', at: 1_100_000 });
  });
});
