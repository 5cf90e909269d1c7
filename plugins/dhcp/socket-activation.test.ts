import { describe, expect, it } from 'vitest';
import { ActivationError, LISTEN_FDS_START, activatedListenFd, forgetActivation } from './socket-activation.ts';

describe('systemd socket activation', () => {
  it('takes fd 3 when systemd passed one socket to this process', () => {
    expect(activatedListenFd({ LISTEN_FDS: '1', LISTEN_PID: '42' }, 42)).toBe(LISTEN_FDS_START);
    expect(LISTEN_FDS_START).toBe(3);
    // some launchers set no LISTEN_PID; the descriptor is still ours
    expect(activatedListenFd({ LISTEN_FDS: '1' }, 42)).toBe(3);
  });

  it('is not activated without LISTEN_FDS, with zero descriptors, or when they were meant for another process', () => {
    expect(activatedListenFd({}, 42)).toBeUndefined();
    expect(activatedListenFd({ LISTEN_FDS: '' }, 42)).toBeUndefined();
    expect(activatedListenFd({ LISTEN_FDS: '0', LISTEN_PID: '42' }, 42)).toBeUndefined();
    expect(activatedListenFd({ LISTEN_FDS: '1', LISTEN_PID: '41' }, 42)).toBeUndefined();
  });

  it.each([
    [{ LISTEN_FDS: '2', LISTEN_PID: '42' }, /passed 2 sockets.*one ListenStream=/],
    [{ LISTEN_FDS: 'x', LISTEN_PID: '42' }, /LISTEN_FDS="x" is not a number/],
  ])('refuses %j', (env, msg) => {
    expect(() => activatedListenFd(env, 42)).toThrow(ActivationError);
    expect(() => activatedListenFd(env, 42)).toThrow(msg);
  });

  it('forgets the variables so that nothing started later takes the socket', () => {
    const env: NodeJS.ProcessEnv = { LISTEN_FDS: '1', LISTEN_PID: '42', LISTEN_FDNAMES: 'dhcp.socket', PATH: '/bin' };
    forgetActivation(env);
    expect(env).toEqual({ PATH: '/bin' });
  });
});
