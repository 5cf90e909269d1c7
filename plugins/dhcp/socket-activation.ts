// systemd socket activation (sd_listen_fds(3)), as Go's daemon accepts it: systemd creates and
// owns the listening socket (a .socket unit) and passes it as fd 3 with LISTEN_FDS=1 and
// LISTEN_PID=<our pid>. The plugin can then connect before the daemon has started, and a daemon
// restart never leaves a moment with no socket. Pure: the environment and PID are arguments.

/** The first descriptor systemd passes (SD_LISTEN_FDS_START). */
export const LISTEN_FDS_START = 3;

export class ActivationError extends Error {
  override readonly name = 'ActivationError';
}

/**
 * The listening descriptor systemd passed, or undefined when the daemon was not socket
 * activated (no LISTEN_FDS, or LISTEN_FDS meant for another process: LISTEN_PID names the
 * process systemd started, and a child that inherited the variables must not take the socket).
 * @throws {ActivationError} when systemd passed something other than exactly one socket
 */
export function activatedListenFd(env: NodeJS.ProcessEnv, pid: number): number | undefined {
  const fds = env.LISTEN_FDS;
  if (fds === undefined || fds === '') return undefined;
  const owner = env.LISTEN_PID;
  if (owner !== undefined && owner !== '' && owner !== String(pid)) return undefined;
  if (!/^\d+$/.test(fds)) throw new ActivationError(`LISTEN_FDS="${fds}" is not a number of descriptors`);
  const count = Number(fds);
  if (count === 0) return undefined;
  if (count > 1) {
    throw new ActivationError(`systemd passed ${count} sockets (LISTEN_FDS=${count}); the dhcp daemon listens on exactly one: give its .socket unit one ListenStream=`);
  }
  return LISTEN_FDS_START;
}

/** Removes the activation variables so that nothing this process starts takes them for its own. */
export function forgetActivation(env: NodeJS.ProcessEnv): void {
  delete env.LISTEN_FDS;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDNAMES;
}
