import { describe, expect, it } from 'vitest';
import {
  BOOTREPLY,
  DhcpDecodeError,
  type DhcpMessage,
  DhcpMessageType,
  Option,
  decodeClasslessRoutes,
  decodeMessage,
  decodeStaticRoutes,
  encodeClasslessRoutes,
  encodeMessage,
  maskPrefix,
  messageType,
  optionIpv4,
  optionIpv4List,
  optionUint32,
  uint32Bytes,
} from './message.ts';

const mac = Uint8Array.from([0x02, 0, 0, 0, 0, 0x42]);

function reply(options: [number, Uint8Array][]): DhcpMessage {
  return {
    op: BOOTREPLY,
    xid: 0xdeadbeef,
    secs: 0,
    flags: 0x8000,
    ciaddr: '0.0.0.0',
    yiaddr: '192.168.77.122',
    siaddr: '192.168.77.1',
    giaddr: '0.0.0.0',
    chaddr: mac,
    options: new Map(options),
  };
}

describe('DHCP message codec', () => {
  it('round-trips the fixed fields and options, padded to 300 bytes', () => {
    const msg = reply([
      [Option.MESSAGE_TYPE, Uint8Array.of(DhcpMessageType.OFFER)],
      [Option.SUBNET_MASK, Uint8Array.of(255, 255, 255, 0)],
      [Option.ROUTERS, Uint8Array.of(192, 168, 77, 1, 192, 168, 77, 2)],
      [Option.LEASE_TIME, uint32Bytes(3600)],
    ]);
    const bytes = encodeMessage(msg);
    expect(bytes.length).toBe(300);
    expect(bytes[0]).toBe(2);
    expect(bytes.readUInt32BE(236)).toBe(0x63825363);
    const back = decodeMessage(bytes);
    expect({ ...back, options: [...back.options] }).toEqual({ ...msg, options: [...msg.options] });
    expect(messageType(back)).toBe(DhcpMessageType.OFFER);
    expect(optionIpv4(back, Option.SUBNET_MASK)).toBe('255.255.255.0');
    expect(optionIpv4List(back, Option.ROUTERS)).toEqual(['192.168.77.1', '192.168.77.2']);
    expect(optionUint32(back, Option.LEASE_TIME)).toBe(3600);
  });

  it('splits an option over 255 bytes and joins repeated codes again (RFC 3396)', () => {
    const long = Uint8Array.from({ length: 300 }, (_, i) => i % 251);
    const bytes = encodeMessage(reply([[Option.USER_CLASS, long]]));
    expect(bytes[240]).toBe(Option.USER_CLASS);
    expect(bytes[241]).toBe(255);
    expect(bytes[240 + 257]).toBe(Option.USER_CLASS);
    expect(bytes[240 + 258]).toBe(45);
    expect(decodeMessage(bytes).options.get(Option.USER_CLASS)).toEqual(long);
  });

  it('reads options overloaded into file and sname (option 52)', () => {
    const bytes = encodeMessage(reply([[Option.OVERLOAD, Uint8Array.of(3)]]));
    bytes.set([Option.HOST_NAME, 2, 0x68, 0x69, Option.END], 108); // file
    bytes.set([Option.DOMAIN_NAME, 1, 0x78, Option.END], 44); // sname
    const back = decodeMessage(bytes);
    expect(Buffer.from(back.options.get(Option.HOST_NAME) ?? []).toString()).toBe('hi');
    expect(Buffer.from(back.options.get(Option.DOMAIN_NAME) ?? []).toString()).toBe('x');
  });

  it('skips PAD and stops at END', () => {
    const bytes = encodeMessage(reply([]));
    bytes.set([Option.PAD, Option.PAD, Option.MESSAGE_TYPE, 1, 5, Option.END, Option.ROUTERS, 4, 1, 2, 3, 4], 240);
    const back = decodeMessage(bytes);
    expect(messageType(back)).toBe(DhcpMessageType.ACK);
    expect(back.options.has(Option.ROUTERS)).toBe(false);
  });

  it.each([
    ['short', Buffer.alloc(100)],
    ['no cookie', Buffer.alloc(300)],
  ])('rejects a message that is %s', (_, bytes) => {
    expect(() => decodeMessage(bytes)).toThrow(DhcpDecodeError);
  });

  it('rejects an option that runs past the end', () => {
    const bytes = encodeMessage(reply([])).subarray(0, 244);
    bytes.set([Option.ROUTERS, 8, 1, 2], 240);
    expect(() => decodeMessage(bytes)).toThrow(/runs past the end/);
  });

  it('reads list options of a wrong length as absent', () => {
    const msg = reply([[Option.ROUTERS, Uint8Array.of(1, 2, 3)], [Option.LEASE_TIME, Uint8Array.of(1)]]);
    expect(optionIpv4List(msg, Option.ROUTERS)).toEqual([]);
    expect(optionUint32(msg, Option.LEASE_TIME)).toBeUndefined();
  });
});

describe('routes and masks', () => {
  it('decodes and encodes classless static routes (RFC 3442 examples)', () => {
    const bytes = Uint8Array.of(0, 192, 168, 77, 1, 16, 10, 99, 192, 168, 77, 1, 24, 10, 1, 2, 0, 0, 0, 0, 32, 10, 9, 8, 7, 10, 0, 0, 1);
    const routes = [
      { dst: '0.0.0.0/0', gw: '192.168.77.1' },
      { dst: '10.99.0.0/16', gw: '192.168.77.1' },
      { dst: '10.1.2.0/24', gw: '0.0.0.0' },
      { dst: '10.9.8.7/32', gw: '10.0.0.1' },
    ];
    expect(decodeClasslessRoutes(bytes)).toEqual(routes);
    expect(Buffer.from(encodeClasslessRoutes(routes))).toEqual(Buffer.from(bytes));
  });

  it('rejects a truncated classless route list and a prefix over 32', () => {
    expect(() => decodeClasslessRoutes(Uint8Array.of(24, 10, 1, 2, 192, 168))).toThrow(DhcpDecodeError);
    expect(() => decodeClasslessRoutes(Uint8Array.of(33, 1, 1, 1, 1, 1, 1, 1, 1))).toThrow(DhcpDecodeError);
  });

  it('gives option 33 destinations their classful masks and skips a default', () => {
    expect(decodeStaticRoutes(Uint8Array.of(10, 0, 0, 0, 1, 1, 1, 1, 172, 16, 0, 0, 1, 1, 1, 1, 192, 168, 5, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1))).toEqual([
      { dst: '10.0.0.0/8', gw: '1.1.1.1' },
      { dst: '172.16.0.0/16', gw: '1.1.1.1' },
      { dst: '192.168.5.0/24', gw: '1.1.1.1' },
    ]);
  });

  it.each([
    ['255.255.255.0', 24],
    ['255.255.255.255', 32],
    ['0.0.0.0', 0],
    ['255.255.128.0', 17],
    ['255.0.255.0', undefined],
  ])('mask %s has prefix %s', (mask, prefix) => {
    expect(maskPrefix(mask)).toBe(prefix);
  });
});
