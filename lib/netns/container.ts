import { CniError, ErrorCode } from '../cni/index.ts';
import { NetnsNotFoundError, NotNetnsError } from './errors.ts';
import { isSameNetns } from './identity.ts';
import { type Netns, THREAD_NETNS_PATH, openNetns } from './netns.ts';

// A CNI_NETNS that is the plugin's own network namespace (a runtime bug, or /proc/self/ns/net
// passed on purpose) would make the "container" side the host: bridge would move the pod's end
// of the veth into the host and DEL would delete the host's interface named CNI_IFNAME. The
// identity (nsfs dev and inode) is compared, so every path to the same namespace is caught.

/** Something other than a network namespace at CNI_NETNS is the caller's mistake: code 4. */
function notNetns(path: string, e: NotNetnsError): CniError {
  return new CniError(ErrorCode.InvalidEnvironment, `CNI_NETNS "${path}" is not a network namespace`, e.message, { cause: e });
}

/**
 * Opens CNI_NETNS for ADD or CHECK, turning the netns errors into protocol errors a person can
 * act on: a missing path is code 3 (the container is gone), anything else at that path is
 * code 4 (CNI_NETNS is wrong).
 * @throws CniError
 */
export function openContainerNetns(path: string): Netns {
  let ns: Netns;
  try {
    ns = openNetns(path);
  } catch (e) {
    if (e instanceof NetnsNotFoundError) {
      throw new CniError(ErrorCode.UnknownContainer, `network namespace "${path}" (CNI_NETNS) does not exist`, 'the container is gone or CNI_NETNS is wrong', { cause: e });
    }
    if (e instanceof NotNetnsError) throw notNetns(path, e);
    throw e;
  }
  if (isOwnNetns(ns)) {
    ns.close();
    throw new CniError(
      ErrorCode.InvalidEnvironment,
      `CNI_NETNS "${path}" is the plugin's own network namespace, not the pod's`,
      'the runtime must pass the path of the container\'s network namespace; nothing was changed',
    );
  }
  return ns;
}

/** Whether `ns` is the namespace this thread runs in (the host side of every attachment). */
function isOwnNetns(ns: Netns): boolean {
  return isSameNetns(ns, THREAD_NETNS_PATH);
}

/**
 * Opens CNI_NETNS for DEL, where an empty value or a namespace that is already gone means
 * there is nothing inside it left to clean: returns undefined then. The plugin's own namespace
 * is treated the same way, with a line on stderr: no ADD of ours can have put a pod interface
 * there (ADD refuses it), and deleting the host's interface of that name is the one thing DEL
 * must never do; what lives outside the namespace (IPAM, rules) is still released.
 * @throws CniError code 4 when the path exists but is not a network namespace.
 */
export function openContainerNetnsForDel(path: string): Netns | undefined {
  if (path === '') return undefined;
  let ns: Netns;
  try {
    ns = openNetns(path);
  } catch (e) {
    if (e instanceof NetnsNotFoundError) return undefined;
    if (e instanceof NotNetnsError) throw notNetns(path, e);
    throw e;
  }
  if (isOwnNetns(ns)) {
    ns.close();
    process.stderr.write(`CNI_NETNS "${path}" is the plugin's own network namespace, not the pod's: nothing inside it is touched\n`);
    return undefined;
  }
  return ns;
}
