import { check } from './check.ts';
import { EINTR } from './errno.ts';
import { SysError } from './errors.ts';
import { getLibc, lastErrno } from './libc.ts';

/** Linux socket constants used by the netlink client (same values on x86-64 and arm64). */
export const AF_NETLINK = 16;
export const SOCK_RAW = 3;
export const SOCK_CLOEXEC = 0x80000;
export const SOL_SOCKET = 1;
export const SO_RCVBUF = 8;
export const SO_RCVTIMEO = 20;
export const MSG_PEEK = 0x2;
export const MSG_TRUNC = 0x20;

/**
 * socket(2). Returns the new fd.
 * @throws {SysError} e.g. EPROTONOSUPPORT when the protocol's kernel module is absent.
 */
export function openSocket(domain: number, type: number, protocol: number): number {
  return check(getLibc().socket(domain, type, protocol), 'socket', `(domain ${domain}, protocol ${protocol})`);
}

/**
 * bind(2) with a raw sockaddr.
 * @throws {SysError}
 */
export function bindSocket(fd: number, addr: Uint8Array): void {
  check(getLibc().bind(fd, addr, addr.length), 'bind');
}

/**
 * sendto(2) of a whole buffer, retried on EINTR. `addr` null sends to the default peer.
 * @throws {SysError}
 */
export function sendTo(fd: number, buf: Uint8Array, flags: number, addr: Uint8Array | null): number {
  const libc = getLibc();
  for (;;) {
    const n = libc.sendto(fd, buf, buf.length, flags, addr, addr === null ? 0 : addr.length);
    if (n >= 0) return n;
    const errno = lastErrno();
    if (errno !== EINTR) throw new SysError('sendto', errno);
  }
}

/**
 * recv(2) into `buf`, retried on EINTR. Returns the byte count (with MSG_TRUNC, the real
 * datagram length, which may exceed `buf.length`).
 * @throws {SysError} EAGAIN when SO_RCVTIMEO expired.
 */
export function recvInto(fd: number, buf: Uint8Array, flags: number): number {
  const libc = getLibc();
  for (;;) {
    const n = libc.recv(fd, buf, buf.length, flags);
    if (n >= 0) return n;
    const errno = lastErrno();
    if (errno !== EINTR) throw new SysError('recv', errno);
  }
}

/**
 * setsockopt(2) with a raw value.
 * @throws {SysError}
 */
export function setSocketOption(fd: number, level: number, name: number, value: Uint8Array): void {
  check(getLibc().setsockopt(fd, level, name, value, value.length), 'setsockopt', `(level ${level}, option ${name})`);
}

/**
 * setsockopt(2) with a C int value.
 * @throws {SysError}
 */
export function setSocketOptionInt(fd: number, level: number, name: number, value: number): void {
  const buf = Buffer.alloc(4);
  buf.writeInt32LE(value);
  setSocketOption(fd, level, name, buf);
}

/**
 * SO_RCVTIMEO, so a blocking recv gives up instead of hanging a plugin forever.
 * @throws {SysError}
 */
export function setReceiveTimeout(fd: number, ms: number): void {
  const { longSize } = getLibc();
  const buf = Buffer.alloc(2 * longSize);
  const sec = Math.floor(ms / 1000);
  const usec = (ms % 1000) * 1000;
  if (longSize === 8) {
    buf.writeBigInt64LE(BigInt(sec), 0);
    buf.writeBigInt64LE(BigInt(usec), 8);
  } else {
    buf.writeInt32LE(sec, 0);
    buf.writeInt32LE(usec, 4);
  }
  setSocketOption(fd, SOL_SOCKET, SO_RCVTIMEO, buf);
}

/**
 * close(2). Used for fds this layer opened (sockets); fs.closeSync works too.
 * @throws {SysError}
 */
export function closeFd(fd: number): void {
  check(getLibc().close(fd), 'close', `fd ${fd}`);
}
