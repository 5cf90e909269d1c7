import { describe, expect, it } from 'vitest';
import { SysError } from './errors.ts';
import { AF_NETLINK, SOCK_CLOEXEC, SOCK_RAW, closeFd, openSocket, setReceiveTimeout } from './socket.ts';

describe('openSocket and closeFd', () => {
  it('opens a netlink route socket (no privileges needed) and closes it once', () => {
    const fd = openSocket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0);
    expect(fd).toBeGreaterThan(2);
    setReceiveTimeout(fd, 1500);
    closeFd(fd);
    expect(() => closeFd(fd)).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'close' }));
  });

  it('throws SysError for an unsupported protocol', () => {
    expect(() => openSocket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 31)).toThrow(SysError);
  });
});
