import { describe, expect, it } from 'vitest';
import { addAddress, deleteAddress, listAddresses } from './addr.ts';
import {
  AF_INET,
  AF_INET6,
  IFA_ADDRESS,
  IFA_BROADCAST,
  IFA_F_NODAD,
  IFA_F_PERMANENT,
  IFA_F_TENTATIVE,
  IFA_FLAGS,
  IFA_LOCAL,
  NETLINK_ROUTE,
  RTM_DELADDR,
  RTM_NEWADDR,
} from './constants.ts';
import { FakeTransport, fakeAck, fakeDone, fakeMessage } from '../testing/fake-transport.ts';
import { NetlinkSocket } from './socket.ts';
import { attrMap, bytesAttr, encodeAttrs, readU32, u32Attr } from './wire.ts';
import { decodeIfAddrMsg, encodeIfAddrMsg, IFADDRMSG_LEN } from './headers.ts';
import type { NlMessage } from './wire.ts';

function kernel(onRequest: (req: NlMessage) => Buffer[]): { sock: NetlinkSocket; sent: NlMessage[] } {
  const transport = new FakeTransport(onRequest);
  return { sock: new NetlinkSocket(transport, NETLINK_ROUTE), sent: transport.sent };
}

function attrsOf(msg: NlMessage | undefined): Map<number, Buffer> {
  return attrMap(msg?.payload.subarray(IFADDRMSG_LEN) ?? Buffer.alloc(0));
}

describe('addAddress', () => {
  it('sends IPv4 local, address and the computed broadcast', () => {
    const { sock, sent } = kernel((req) => [fakeAck(req)]);
    addAddress(sock, 3, { address: '10.22.0.15', prefixLen: 16 });
    expect(sent[0]?.type).toBe(RTM_NEWADDR);
    expect(decodeIfAddrMsg(sent[0]?.payload ?? Buffer.alloc(8))).toEqual({ family: AF_INET, prefixLen: 16, flags: 0, scope: 0, index: 3 });
    const a = attrsOf(sent[0]);
    expect(a.get(IFA_LOCAL)?.toString('hex')).toBe('0a16000f');
    expect(a.get(IFA_ADDRESS)?.toString('hex')).toBe('0a16000f');
    expect(a.get(IFA_BROADCAST)?.toString('hex')).toBe('0a16ffff');
    expect(a.has(IFA_FLAGS)).toBe(false);
  });

  it('omits the broadcast for /31 and when disabled', () => {
    const { sock, sent } = kernel((req) => [fakeAck(req)]);
    addAddress(sock, 3, { address: '10.0.0.0', prefixLen: 31 });
    addAddress(sock, 3, { address: '10.0.0.1', prefixLen: 24, broadcast: false });
    expect(attrsOf(sent[0]).has(IFA_BROADCAST)).toBe(false);
    expect(attrsOf(sent[1]).has(IFA_BROADCAST)).toBe(false);
  });

  it('sets IFA_F_NODAD in both the header and IFA_FLAGS for IPv6', () => {
    const { sock, sent } = kernel((req) => [fakeAck(req)]);
    addAddress(sock, 4, { address: '2001:db8::5', prefixLen: 64, noDad: true });
    const hdr = decodeIfAddrMsg(sent[0]?.payload ?? Buffer.alloc(8));
    expect(hdr).toMatchObject({ family: AF_INET6, prefixLen: 64, flags: IFA_F_NODAD });
    expect(readU32(attrsOf(sent[0]).get(IFA_FLAGS))).toBe(IFA_F_NODAD);
    expect(attrsOf(sent[0]).has(IFA_BROADCAST)).toBe(false);
  });

  it('surfaces EEXIST', () => {
    expect(() => addAddress(kernel((req) => [fakeAck(req, 17)]).sock, 1, { address: '10.0.0.1', prefixLen: 8 })).toThrow(
      expect.objectContaining({ code: 'EEXIST' }),
    );
  });
});

describe('deleteAddress', () => {
  it('treats EADDRNOTAVAIL and ENODEV as already gone', () => {
    const ok = kernel((req) => [fakeAck(req)]);
    expect(deleteAddress(ok.sock, 3, { address: '10.0.0.1', prefixLen: 8 })).toBe(true);
    expect(ok.sent[0]?.type).toBe(RTM_DELADDR);
    expect(deleteAddress(kernel((req) => [fakeAck(req, 99)]).sock, 3, { address: '10.0.0.1', prefixLen: 8 })).toBe(false);
    expect(deleteAddress(kernel((req) => [fakeAck(req, 19)]).sock, 3, { address: '10.0.0.1', prefixLen: 8 })).toBe(false);
    expect(() => deleteAddress(kernel((req) => [fakeAck(req, 1)]).sock, 3, { address: '10.0.0.1', prefixLen: 8 })).toThrow();
  });
});

describe('listAddresses', () => {
  function newaddr(seq: number, family: number, index: number, prefixLen: number, attrs: ReturnType<typeof bytesAttr>[], flags = 0): Buffer {
    return fakeMessage(RTM_NEWADDR, 2, seq, Buffer.concat([encodeIfAddrMsg({ family, index, prefixLen, flags, scope: 0 }), encodeAttrs(attrs)]));
  }

  it('decodes both families, prefers IFA_FLAGS and filters by index', () => {
    const { sock, sent } = kernel((req) => [
      Buffer.concat([
        newaddr(req.seq, AF_INET, 3, 24, [bytesAttr(IFA_ADDRESS, Buffer.from([10, 0, 0, 9])), bytesAttr(IFA_LOCAL, Buffer.from([10, 0, 0, 2]))], IFA_F_PERMANENT),
        newaddr(req.seq, AF_INET6, 3, 64, [bytesAttr(IFA_ADDRESS, Buffer.from('20010db8000000000000000000000002', 'hex')), u32Attr(IFA_FLAGS, IFA_F_TENTATIVE | 0x100)]),
        newaddr(req.seq, AF_INET, 1, 8, [bytesAttr(IFA_LOCAL, Buffer.from([127, 0, 0, 1]))]),
        fakeDone(req),
      ]),
    ]);
    const list = listAddresses(sock, { index: 3 });
    expect(list).toEqual([
      expect.objectContaining({ family: 4, address: '10.0.0.2', prefixLen: 24, permanent: true, tentative: false }),
      expect.objectContaining({ family: 6, address: '2001:db8::2', prefixLen: 64, tentative: true, flags: IFA_F_TENTATIVE | 0x100 }),
    ]);
    expect(decodeIfAddrMsg(sent[0]?.payload ?? Buffer.alloc(8)).index).toBe(3);
  });
});
