import { NETLINK_ROUTE, NetlinkSocket } from '../netlink/index.ts';
import type { NetlinkSocketOptions } from '../netlink/index.ts';
import { CLONE_NEWNET, O_RDONLY, closeFd, openFile, setns } from '../sys/index.ts';
import { NetnsRestoreError } from './errors.ts';
import { THREAD_NETNS_PATH, openNetns } from './netns.ts';
import type { Netns } from './netns.ts';

/**
 * Rejects Promise-returning callbacks at compile time: code after an `await` would run
 * after the thread has left the namespace (and libuv pool threads never entered it).
 */
export type NotPromise<T> = T extends PromiseLike<unknown> ? never : T;

/**
 * Runs `fn` with the current thread inside `ns`, then always returns the thread to the
 * netns it was in (also when `fn` throws). `fn` must be synchronous: koffi calls, netlink
 * through a socket, fs.*Sync on /proc/sys, spawnSync. A path is opened and closed here;
 * a Netns handle is left open.
 * @throws {NetnsNotFoundError | NotNetnsError} for a bad path.
 * @throws {NetnsRestoreError} if the thread could not return (the process must stop).
 * @throws {TypeError} if `fn` returned a thenable anyway (checked at run time too).
 */
export function withNetns<T>(ns: Netns | string, fn: () => NotPromise<T>): NotPromise<T> {
  const target = typeof ns === 'string' ? openNetns(ns) : ns;
  let saved: number | undefined;
  try {
    saved = openFile(THREAD_NETNS_PATH, O_RDONLY);
    setns(target.fd, CLONE_NEWNET);
    let result: NotPromise<T> | undefined;
    let failure: { error: unknown } | undefined;
    try {
      result = fn();
    } catch (error) {
      failure = { error };
    }
    try {
      setns(saved, CLONE_NEWNET);
    } catch (error) {
      throw new NetnsRestoreError(`could not return to the original network namespace after entering ${target.path}`, {
        cause: failure === undefined ? error : new AggregateError([error, failure.error]),
      });
    }
    if (failure !== undefined) throw failure.error;
    if (isThenable(result)) {
      throw new TypeError('withNetns: the callback returned a Promise; only synchronous work may run inside a netns');
    }
    return result as NotPromise<T>;
  } finally {
    if (saved !== undefined) closeFd(saved);
    if (typeof ns === 'string') target.close();
  }
}

/**
 * Opens a NETLINK_ROUTE socket inside `ns` (enter, socket, leave). The socket keeps
 * working in that netns afterwards, so all container-side link/address/route work goes
 * through it without further setns calls.
 * @throws {NetnsNotFoundError | NotNetnsError | NetlinkError | SysError}
 */
export function routeSocketIn(ns: Netns | string, options: NetlinkSocketOptions = {}): NetlinkSocket {
  return netlinkSocketIn(ns, NETLINK_ROUTE, options);
}

/**
 * Opens a netlink socket of any protocol inside `ns` (e.g. NETLINK_NETFILTER for conntrack).
 * @throws {NetnsNotFoundError | NotNetnsError | SysError}
 */
export function netlinkSocketIn(ns: Netns | string, protocol: number, options: NetlinkSocketOptions = {}): NetlinkSocket {
  return withNetns(ns, () => NetlinkSocket.open(protocol, options));
}

function isThenable(value: unknown): boolean {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
