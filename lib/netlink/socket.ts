import {
  AF_NETLINK,
  EAGAIN,
  EBADF,
  EINTR,
  ETIMEDOUT,
  MSG_PEEK,
  MSG_TRUNC,
  SOCK_CLOEXEC,
  SOCK_RAW,
  SysError,
  bindSocket,
  closeFd,
  openSocket,
  recvInto,
  sendTo,
  setReceiveTimeout,
  setSocketOptionInt,
} from '../sys/index.ts';
import {
  NETLINK_CAP_ACK,
  NETLINK_EXT_ACK,
  NETLINK_GET_STRICT_CHK,
  NETLINK_ROUTE,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_DUMP_INTR,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_NOOP,
  NLMSG_OVERRUN,
  SOL_NETLINK,
} from './constants.ts';
import { NetlinkError } from './errors.ts';
import { encodeMessage, parseDoneReply, parseErrorReply, parseMessages } from './wire.ts';
import type { NlMessage, NlRequest } from './wire.ts';

const DEFAULT_TIMEOUT_MS = 5000;
const RECV_BUFFER = 64 * 1024;
const DUMP_ATTEMPTS = 5;

/** sockaddr_nl for the kernel: family AF_NETLINK, pid 0, groups 0. */
const KERNEL_ADDR = Buffer.from([AF_NETLINK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

/** Options for {@link NetlinkSocket.open}. */
export interface NetlinkSocketOptions {
  /**
   * How long one receive may wait before the request fails with ETIMEDOUT.
   * @default 5000
   */
  readonly timeoutMs?: number;
}

/**
 * Moves whole datagrams; the seam between the protocol logic and the kernel socket, so the
 * request/dump logic can be tested against a scripted fake.
 */
export interface NetlinkTransport {
  send(datagram: Buffer): void;
  /** Blocks for the next datagram. Throws SysError EAGAIN when the receive timeout expired. */
  receive(): Buffer;
  close(): void;
}

/**
 * A synchronous netlink socket bound in the netns it was opened in (it stays there even if
 * the thread later changes netns). One request at a time; replies are matched by sequence
 * number and stale replies from an abandoned request are skipped.
 */
export class NetlinkSocket {
  readonly protocol: number;
  readonly timeoutMs: number;
  readonly #transport: NetlinkTransport;
  #seq: number;
  #closed = false;

  constructor(transport: NetlinkTransport, protocol: number, timeoutMs: number = DEFAULT_TIMEOUT_MS) {
    this.#transport = transport;
    this.protocol = protocol;
    this.timeoutMs = timeoutMs;
    this.#seq = Math.floor(Math.random() * 0x7fffffff);
  }

  /**
   * Opens and binds a netlink socket (SOCK_CLOEXEC), enabling extended ACKs, strict dump
   * checking (best effort: kernels before 4.20 lack it), capped ACKs and a receive timeout.
   * @throws {SysError} when the socket cannot be created (EPROTONOSUPPORT: module absent).
   */
  static open(protocol: number = NETLINK_ROUTE, options: NetlinkSocketOptions = {}): NetlinkSocket {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new NetlinkSocket(FdTransport.open(protocol, timeoutMs), protocol, timeoutMs);
  }

  /**
   * Sends a request with NLM_F_ACK and waits for the kernel's answer. Returns any reply
   * messages that preceded the ACK (e.g. the object for a non-dump GET).
   * @throws {NetlinkError} with the errno, its code and the kernel's ext-ack text.
   */
  request(req: NlRequest): NlMessage[] {
    const seq = this.#send(req, NLM_F_REQUEST | NLM_F_ACK);
    const replies: NlMessage[] = [];
    for (;;) {
      for (const msg of this.#receive(req)) {
        if (msg.seq !== seq || msg.type === NLMSG_NOOP) continue;
        if (msg.type === NLMSG_ERROR) {
          const reply = parseErrorReply(msg);
          if (reply.errno === 0) return replies;
          throw new NetlinkError(reply.errno, { what: req.what, extAck: reply.extAck });
        }
        if (msg.type === NLMSG_DONE) return replies;
        replies.push(msg);
      }
    }
  }

  /**
   * Runs a dump (NLM_F_DUMP) and collects every part until NLMSG_DONE. A dump the kernel
   * marks inconsistent (NLM_F_DUMP_INTR, the table changed meanwhile) is retried up to 5 times.
   * @throws {NetlinkError} EINTR when every attempt was interrupted.
   */
  dump(req: NlRequest): NlMessage[] {
    for (let attempt = 1; ; attempt++) {
      const { messages, interrupted } = this.#dumpOnce(req);
      if (!interrupted) return messages;
      if (attempt >= DUMP_ATTEMPTS) {
        throw new NetlinkError(EINTR, {
          what: req.what,
          detail: `dump interrupted by concurrent changes ${DUMP_ATTEMPTS} times`,
        });
      }
    }
  }

  /** Closes the socket; later calls are no-ops. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#transport.close();
  }

  #dumpOnce(req: NlRequest): { messages: NlMessage[]; interrupted: boolean } {
    const seq = this.#send(req, NLM_F_REQUEST | NLM_F_DUMP);
    const messages: NlMessage[] = [];
    let interrupted = false;
    for (;;) {
      for (const msg of this.#receive(req)) {
        if (msg.seq !== seq || msg.type === NLMSG_NOOP) continue;
        if ((msg.flags & NLM_F_DUMP_INTR) !== 0) interrupted = true;
        if (msg.type === NLMSG_DONE) {
          const reply = parseDoneReply(msg);
          if (reply.errno > 0) throw new NetlinkError(reply.errno, { what: req.what, extAck: reply.extAck });
          return { messages, interrupted };
        }
        if (msg.type === NLMSG_ERROR) {
          const reply = parseErrorReply(msg);
          if (reply.errno === 0) return { messages, interrupted };
          throw new NetlinkError(reply.errno, { what: req.what, extAck: reply.extAck });
        }
        if (msg.type === NLMSG_OVERRUN) {
          throw new NetlinkError(EAGAIN, { what: req.what, detail: 'netlink overrun: data lost' });
        }
        messages.push(msg);
      }
    }
  }

  #send(req: NlRequest, flags: number): number {
    if (this.#closed) throw new NetlinkError(EBADF, { what: req.what, detail: 'netlink socket is closed' });
    this.#seq = (this.#seq + 1) >>> 0;
    const seq = this.#seq;
    try {
      this.#transport.send(encodeMessage(req, flags, seq));
    } catch (err) {
      throw asNetlinkError(err, req);
    }
    return seq;
  }

  #receive(req: NlRequest): NlMessage[] {
    let datagram: Buffer;
    try {
      datagram = this.#transport.receive();
    } catch (err) {
      if (err instanceof SysError && err.errno === EAGAIN) {
        throw new NetlinkError(ETIMEDOUT, {
          what: req.what,
          detail: `no reply from the kernel within ${this.timeoutMs} ms`,
          cause: err,
        });
      }
      throw asNetlinkError(err, req);
    }
    return parseMessages(datagram);
  }
}

/** The real transport: an AF_NETLINK socket fd. */
class FdTransport implements NetlinkTransport {
  readonly #fd: number;
  #buf: Buffer = Buffer.alloc(RECV_BUFFER);

  private constructor(fd: number) {
    this.#fd = fd;
  }

  static open(protocol: number, timeoutMs: number): FdTransport {
    const fd = openSocket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
    try {
      bindSocket(fd, KERNEL_ADDR);
      setReceiveTimeout(fd, timeoutMs);
      setSocketOptionInt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
      trySetOption(fd, NETLINK_CAP_ACK);
      if (protocol === NETLINK_ROUTE) trySetOption(fd, NETLINK_GET_STRICT_CHK);
      return new FdTransport(fd);
    } catch (err) {
      closeFd(fd);
      throw err;
    }
  }

  send(datagram: Buffer): void {
    sendTo(this.#fd, datagram, 0, KERNEL_ADDR);
  }

  /** Peeks at the datagram size first and grows the buffer, so nothing is ever truncated. */
  receive(): Buffer {
    const size = recvInto(this.#fd, this.#buf, MSG_PEEK | MSG_TRUNC);
    if (size > this.#buf.length) this.#buf = Buffer.alloc(size);
    const n = recvInto(this.#fd, this.#buf, 0);
    // Copy: parsed messages outlive the next receive into the shared buffer.
    return Buffer.from(this.#buf.subarray(0, n));
  }

  close(): void {
    closeFd(this.#fd);
  }
}

function trySetOption(fd: number, option: number): void {
  try {
    setSocketOptionInt(fd, SOL_NETLINK, option, 1);
  } catch (err) {
    if (!(err instanceof SysError)) throw err;
  }
}

function asNetlinkError(err: unknown, req: NlRequest): unknown {
  return err instanceof SysError ? new NetlinkError(err.errno, { what: req.what, cause: err }) : err;
}
