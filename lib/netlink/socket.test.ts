import { describe, expect, it } from 'vitest';
import { NETLINK_ROUTE, NLM_F_ACK, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_MULTI, NLM_F_REQUEST, RTM_GETLINK, RTM_NEWLINK } from './constants.ts';
import { NetlinkError } from './errors.ts';
import { FakeTransport, type FakeNetlinkResponder, fakeAck, fakeDone, fakeMessage } from '../testing/fake-transport.ts';
import { NetlinkSocket } from './socket.ts';
import { encodeIfInfoMsg } from './headers.ts';
import type { NlRequest } from './wire.ts';

const GET: NlRequest = { type: RTM_GETLINK, header: encodeIfInfoMsg(), what: 'get thing' };

function socketWith(responder: FakeNetlinkResponder): { sock: NetlinkSocket; transport: FakeTransport } {
  const transport = new FakeTransport(responder);
  return { sock: new NetlinkSocket(transport, NETLINK_ROUTE), transport };
}

function link(index: number, seq: number, flags = NLM_F_MULTI): Buffer {
  return fakeMessage(RTM_NEWLINK, flags, seq, encodeIfInfoMsg({ index }));
}

describe('NetlinkSocket.request', () => {
  it('sets REQUEST|ACK plus the request flags and returns replies before the ACK', () => {
    const { sock, transport } = socketWith((req) => [Buffer.concat([link(1, req.seq, 0), fakeAck(req)])]);
    const replies = sock.request({ ...GET, flags: 0x400 });
    expect(replies).toHaveLength(1);
    expect(transport.sent[0]?.flags).toBe(NLM_F_REQUEST | NLM_F_ACK | 0x400);
  });

  it('skips stale replies carrying another sequence number', () => {
    const { sock } = socketWith((req) => [fakeAck({ ...req, seq: req.seq - 1 }, 17), link(5, req.seq - 1), fakeAck(req)]);
    expect(sock.request(GET)).toEqual([]);
  });

  it('uses a new sequence number per request', () => {
    const { sock, transport } = socketWith((req) => [fakeAck(req)]);
    sock.request(GET);
    sock.request(GET);
    const [a, b] = transport.sent;
    expect(b?.seq).toBe(((a?.seq ?? 0) + 1) >>> 0);
  });

  it('throws NetlinkError with errno, code and the ext-ack text', () => {
    const { sock } = socketWith((req) => [fakeAck(req, 95, 'Unknown device type')]);
    let caught: unknown;
    try {
      sock.request(GET);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(NetlinkError);
    const err = caught as NetlinkError;
    expect(err.errno).toBe(95);
    expect(err.code).toBe('EOPNOTSUPP');
    expect(err.extAck).toBe('Unknown device type');
    expect(err.message).toBe('get thing: operation not supported on socket (EOPNOTSUPP): Unknown device type');
  });

  it('turns a receive timeout into ETIMEDOUT', () => {
    const { sock } = socketWith(() => []);
    expect(() => sock.request(GET)).toThrow(expect.objectContaining({ name: 'NetlinkError', code: 'ETIMEDOUT' }));
  });

  it('refuses to work after close and closes the transport once', () => {
    const { sock, transport } = socketWith((req) => [fakeAck(req)]);
    sock.close();
    sock.close();
    expect(transport.closed).toBe(true);
    expect(() => sock.request(GET)).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });
});

describe('NetlinkSocket.dump', () => {
  it('collects multi-part replies over several datagrams until NLMSG_DONE', () => {
    const { sock, transport } = socketWith((req) => [
      Buffer.concat([link(1, req.seq), link(2, req.seq)]),
      Buffer.concat([link(3, req.seq), fakeDone(req)]),
    ]);
    expect(sock.dump(GET)).toHaveLength(3);
    expect(transport.sent[0]?.flags).toBe(NLM_F_REQUEST | NLM_F_DUMP);
  });

  it('retries a dump the kernel marked interrupted', () => {
    let calls = 0;
    const { sock, transport } = socketWith((req) => {
      calls++;
      if (calls === 1) return [Buffer.concat([link(1, req.seq, NLM_F_MULTI | NLM_F_DUMP_INTR), fakeDone(req, 0, NLM_F_DUMP_INTR)])];
      return [Buffer.concat([link(1, req.seq), link(2, req.seq), fakeDone(req)])];
    });
    expect(sock.dump(GET)).toHaveLength(2);
    expect(transport.sent).toHaveLength(2);
  });

  it('gives up with EINTR after five interrupted attempts', () => {
    const { sock, transport } = socketWith((req) => [Buffer.concat([link(1, req.seq, NLM_F_MULTI | NLM_F_DUMP_INTR), fakeDone(req)])]);
    expect(() => sock.dump(GET)).toThrow(expect.objectContaining({ code: 'EINTR' }));
    expect(transport.sent).toHaveLength(5);
  });

  it('throws when NLMSG_DONE carries an error', () => {
    const { sock } = socketWith((req) => [fakeDone(req, 22)]);
    expect(() => sock.dump(GET)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('throws when the kernel answers the dump with NLMSG_ERROR', () => {
    const { sock } = socketWith((req) => [fakeAck(req, 1, 'not allowed')]);
    expect(() => sock.dump(GET)).toThrow(expect.objectContaining({ code: 'EPERM', extAck: 'not allowed' }));
  });
});
