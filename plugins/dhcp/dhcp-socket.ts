// The daemon's DHCP endpoint inside a pod's network namespace: a UDP socket on port 68, bound
// to the pod interface (SO_BINDTODEVICE) and allowed to broadcast. It is created while the
// thread is inside the pod's netns (withNetns) and keeps working there afterwards, so the
// daemon's event loop never stays in a foreign namespace. A UDP socket (rather than a packet
// socket) means the kernel builds the IP and UDP headers; the price is that a reply unicast to
// an address the interface does not have yet is dropped by the kernel, so DISCOVER and the
// first REQUEST ask the server to broadcast its replies (the BOOTP broadcast flag).
import { getLink, setLink } from '../../lib/link/index.ts';
import { routeSocketIn, withNetns } from '../../lib/netns/index.ts';
import { EAGAIN, SOL_SOCKET, SysError, bindSocket, closeFd, openSocket, recvInto, sendTo, setSocketOption, setSocketOptionInt } from '../../lib/sys/index.ts';
import { type DhcpMessage, DhcpDecodeError, decodeMessage, encodeMessage, ipv4Bytes } from '../../lib/dhcp/message.ts';

const AF_INET = 2;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0x80000;
const SO_REUSEADDR = 2;
const SO_BROADCAST = 6;
const SO_BINDTODEVICE = 25;
const MSG_DONTWAIT = 0x40;
export const CLIENT_PORT = 68;
export const SERVER_PORT = 67;
/** How often a waiting exchange looks for a datagram (the socket is read without blocking the event loop). */
const POLL_MS = 20;

/** struct sockaddr_in. */
export function sockaddrIn(address: string, port: number): Uint8Array {
  const b = Buffer.alloc(16);
  b.writeUInt16LE(AF_INET, 0); // sa_family_t in host order (little-endian targets only are built)
  b.writeUInt16BE(port, 2);
  b.set(ipv4Bytes(address), 4);
  return b;
}

/** The interface found (and brought up) in the pod's netns. */
export interface PodInterface {
  readonly mac: string;
  readonly index: number;
}

/** An interface problem the daemon reports as such (no such interface, no MAC). */
export class InterfaceError extends Error {
  override readonly name = 'InterfaceError';
}

/**
 * Finds `ifname` in the netns and sets it up when it is down (the interface plugin configures
 * addresses only after IPAM answered, so the link may still be down: Go does the same).
 * @throws {InterfaceError | NetnsNotFoundError | NotNetnsError}
 */
export function preparePodInterface(netns: string, ifname: string): PodInterface {
  const sock = routeSocketIn(netns);
  try {
    const link = getLink(sock, ifname);
    if (link === undefined) throw new InterfaceError(`interface "${ifname}" not found in ${netns}`);
    if (link.mac === undefined || link.mac.split(':').length !== 6) throw new InterfaceError(`interface "${ifname}" in ${netns} has no Ethernet address`);
    if (!link.up) setLink(sock, link.index, { up: true });
    return { mac: link.mac, index: link.index };
  } finally {
    sock.close();
  }
}

/** Sets the interface down (a lease that expired leaves the pod without a valid address: as Go). Errors are the caller's to log. */
export function takePodInterfaceDown(netns: string, ifname: string): void {
  const sock = routeSocketIn(netns);
  try {
    setLink(sock, ifname, { up: false });
  } finally {
    sock.close();
  }
}

/** A UDP socket on port 68 of one pod interface. */
export class DhcpSocket {
  readonly #fd: number;
  #closed = false;
  readonly #buf = Buffer.alloc(4096);

  private constructor(fd: number) {
    this.#fd = fd;
  }

  /** @throws {SysError | NetnsNotFoundError | NotNetnsError} */
  static open(netns: string, ifname: string): DhcpSocket {
    const fd = withNetns(netns, () => {
      const s = openSocket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      try {
        setSocketOptionInt(s, SOL_SOCKET, SO_REUSEADDR, 1);
        setSocketOptionInt(s, SOL_SOCKET, SO_BROADCAST, 1);
        setSocketOption(s, SOL_SOCKET, SO_BINDTODEVICE, Buffer.from(`${ifname}\0`));
        bindSocket(s, sockaddrIn('0.0.0.0', CLIENT_PORT));
      } catch (e) {
        closeFd(s);
        throw e;
      }
      return s;
    });
    return new DhcpSocket(fd);
  }

  /** Sends to the server port of `to` (255.255.255.255 for a broadcast). @throws {SysError} */
  send(msg: DhcpMessage, to: string): void {
    sendTo(this.#fd, encodeMessage(msg), 0, sockaddrIn(to, SERVER_PORT));
  }

  /**
   * Waits until `deadline` (ms since the epoch) for a message `accept` takes; others (replies
   * to other clients, garbage) are dropped. Undefined when none came.
   */
  async receive(deadline: number, accept: (msg: DhcpMessage) => boolean): Promise<DhcpMessage | undefined> {
    while (!this.#closed) {
      let n: number;
      try {
        n = recvInto(this.#fd, this.#buf, MSG_DONTWAIT);
      } catch (e) {
        if (!(e instanceof SysError && e.errno === EAGAIN)) throw e;
        if (Date.now() >= deadline) return undefined;
        await new Promise((r) => setTimeout(r, POLL_MS));
        continue;
      }
      let msg: DhcpMessage;
      try {
        msg = decodeMessage(this.#buf.subarray(0, Math.min(n, this.#buf.length)));
      } catch (e) {
        if (e instanceof DhcpDecodeError) continue;
        throw e;
      }
      if (accept(msg)) return msg;
    }
    return undefined;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeFd(this.#fd);
  }
}
