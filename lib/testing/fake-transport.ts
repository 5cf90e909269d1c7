import { EAGAIN, SysError } from '../sys/index.ts';
import { NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_MULTI, NLMSG_DONE, NLMSG_ERROR, NLMSGERR_ATTR_MSG } from '../netlink/constants.ts';
import type { NetlinkTransport } from '../netlink/socket.ts';
import { NLMSG_HDRLEN, align4, encodeAttrs, parseMessages, stringAttr } from '../netlink/wire.ts';
import type { NlMessage } from '../netlink/wire.ts';

/** Answers one request with the datagrams the fake kernel sends back. */
export type FakeNetlinkResponder = (request: NlMessage) => readonly Buffer[];

/**
 * A scripted stand-in for the kernel, for tests of code built on NetlinkSocket without root:
 * records every request and queues the responder's datagrams. An empty queue behaves like
 * an expired receive timeout.
 * @example new NetlinkSocket(new FakeTransport((req) => [fakeAck(req)]), NETLINK_ROUTE)
 */
export class FakeTransport implements NetlinkTransport {
  readonly sent: NlMessage[] = [];
  closed = false;
  readonly #responder: FakeNetlinkResponder;
  readonly #queue: Buffer[] = [];

  constructor(responder: FakeNetlinkResponder) {
    this.#responder = responder;
  }

  send(datagram: Buffer): void {
    for (const msg of parseMessages(datagram)) {
      this.sent.push(msg);
      this.#queue.push(...this.#responder(msg));
    }
  }

  receive(): Buffer {
    const next = this.#queue.shift();
    if (next === undefined) throw new SysError('recv', EAGAIN);
    return next;
  }

  close(): void {
    this.closed = true;
  }
}

/** Frames one message as the kernel would (pid 0). */
export function fakeMessage(type: number, flags: number, seq: number, payload: Uint8Array): Buffer {
  const len = NLMSG_HDRLEN + payload.length;
  const buf = Buffer.alloc(align4(len));
  buf.writeUInt32LE(len, 0);
  buf.writeUInt16LE(type, 4);
  buf.writeUInt16LE(flags, 6);
  buf.writeUInt32LE(seq, 8);
  buf.set(payload, NLMSG_HDRLEN);
  return buf;
}

/** An NLMSG_ERROR answering `req`: errno 0 is an ACK; `extAck` adds NLMSGERR_ATTR_MSG. */
export function fakeAck(req: NlMessage, errno = 0, extAck?: string): Buffer {
  const head = Buffer.alloc(4 + NLMSG_HDRLEN);
  head.writeInt32LE(-errno, 0);
  head.writeUInt32LE(NLMSG_HDRLEN + req.payload.length, 4);
  head.writeUInt16LE(req.type, 8);
  head.writeUInt16LE(req.flags, 10);
  head.writeUInt32LE(req.seq, 12);
  const tlvs = extAck === undefined ? Buffer.alloc(0) : encodeAttrs([stringAttr(NLMSGERR_ATTR_MSG, extAck)]);
  const flags = NLM_F_CAPPED | (extAck === undefined ? 0 : NLM_F_ACK_TLVS);
  return fakeMessage(NLMSG_ERROR, flags, req.seq, Buffer.concat([head, tlvs]));
}

/** NLMSG_DONE ending a dump; a non-zero errno makes the dump fail. */
export function fakeDone(req: NlMessage, errno = 0, extraFlags = 0): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeInt32LE(-errno, 0);
  return fakeMessage(NLMSG_DONE, NLM_F_MULTI | extraFlags, req.seq, payload);
}
