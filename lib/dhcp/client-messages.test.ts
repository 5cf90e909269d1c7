import { describe, expect, it } from 'vitest';
import { type ClientIdentity, discoverMessage, extendRequest, isReplyTo, releaseMessage, selectingRequest } from './client-messages.ts';
import { BOOTREPLY, BOOTREQUEST, DhcpMessageType, FLAG_BROADCAST, Option, decodeMessage, encodeMessage } from './message.ts';

const id: ClientIdentity = {
  clientId: 'c1/net/eth0',
  mac: Uint8Array.from([2, 0, 0, 0, 0, 9]),
  requested: [1, 3, 121],
  provided: new Map([[Option.HOST_NAME, Buffer.from('pod-a')]]),
};
const opts = (m: { options: ReadonlyMap<number, Uint8Array> }) => Object.fromEntries([...m.options].map(([k, v]) => [k, [...v]]));

describe('client messages', () => {
  it('DISCOVER: type, client id with type 0, request list, provided options, broadcast flag', () => {
    const m = decodeMessage(encodeMessage(discoverMessage(id, 7)));
    expect(m.op).toBe(BOOTREQUEST);
    expect(m.flags).toBe(FLAG_BROADCAST);
    expect(m.ciaddr).toBe('0.0.0.0');
    expect([...m.chaddr]).toEqual([...id.mac]);
    expect(opts(m)).toEqual({
      [Option.MESSAGE_TYPE]: [DhcpMessageType.DISCOVER],
      [Option.CLIENT_ID]: [0, ...Buffer.from('c1/net/eth0')],
      [Option.PARAMETER_REQUEST_LIST]: [1, 3, 121],
      [Option.HOST_NAME]: [...Buffer.from('pod-a')],
    });
  });

  it('a provided option 61 replaces the generated client id', () => {
    const own = { ...id, provided: new Map([[Option.CLIENT_ID, Uint8Array.of(1, 2, 3)]]) };
    expect(opts(discoverMessage(own, 1))[Option.CLIENT_ID]).toEqual([1, 2, 3]);
  });

  it('SELECTING REQUEST names the offered address and the server', () => {
    const offer = { ...discoverMessage(id, 7), op: BOOTREPLY, yiaddr: '10.0.0.5', options: new Map([[Option.SERVER_ID, Uint8Array.of(10, 0, 0, 1)]]) };
    const o = opts(selectingRequest(id, 7, offer));
    expect(o[Option.MESSAGE_TYPE]).toEqual([DhcpMessageType.REQUEST]);
    expect(o[Option.REQUESTED_ADDRESS]).toEqual([10, 0, 0, 5]);
    expect(o[Option.SERVER_ID]).toEqual([10, 0, 0, 1]);
    expect(() => selectingRequest(id, 7, { ...offer, options: new Map() })).toThrow(/no server identifier/);
  });

  it('a renewing REQUEST carries ciaddr and neither option 50 nor 54; RELEASE carries the server', () => {
    const r = extendRequest(id, 9, '10.0.0.5');
    expect(r.ciaddr).toBe('10.0.0.5');
    expect(r.options.has(Option.REQUESTED_ADDRESS) || r.options.has(Option.SERVER_ID)).toBe(false);
    const rel = releaseMessage(id, 9, '10.0.0.5', '10.0.0.1');
    expect(rel.ciaddr).toBe('10.0.0.5');
    expect(opts(rel)[Option.MESSAGE_TYPE]).toEqual([DhcpMessageType.RELEASE]);
    expect(opts(rel)[Option.SERVER_ID]).toEqual([10, 0, 0, 1]);
  });

  it('takes only replies of the wanted type to our xid and hardware address', () => {
    const ack = { ...discoverMessage(id, 7), op: BOOTREPLY, options: new Map([[Option.MESSAGE_TYPE, Uint8Array.of(DhcpMessageType.ACK)]]) };
    expect(isReplyTo(id, 7, ack, [DhcpMessageType.ACK])).toBe(true);
    expect(isReplyTo(id, 8, ack, [DhcpMessageType.ACK])).toBe(false);
    expect(isReplyTo(id, 7, ack, [DhcpMessageType.OFFER])).toBe(false);
    expect(isReplyTo(id, 7, { ...ack, op: BOOTREQUEST }, [DhcpMessageType.ACK])).toBe(false);
    expect(isReplyTo(id, 7, { ...ack, chaddr: Uint8Array.from([2, 0, 0, 0, 0, 8]) }, [DhcpMessageType.ACK])).toBe(false);
  });
});
