import { CLONE_NEWNET, O_RDONLY, closeFd, openFile, setns, unshare } from '../sys/index.ts';
import { NetnsRestoreError } from './errors.ts';
import { type Netns, THREAD_NETNS_PATH, openNetns } from './netns.ts';

/**
 * Creates an anonymous network namespace that lives as long as the returned handle is open
 * (nothing is mounted under /run/netns): the thread unshares into a fresh namespace, opens
 * it, and returns to where it was. A device renamed in there cannot collide with any name in
 * the host or the pod, and no udev or NetworkManager watches it meanwhile.
 * Closing the handle destroys the namespace: a virtual device still inside is destroyed with
 * it, a physical one goes back to the initial namespace, so move devices out first.
 * @throws {SysError} EPERM without CAP_SYS_ADMIN.
 * @throws {NetnsRestoreError} if the thread could not return (the process must stop).
 */
export function createTempNetns(): Netns {
  const saved = openFile(THREAD_NETNS_PATH, O_RDONLY);
  try {
    unshare(CLONE_NEWNET);
    let temp: Netns | undefined;
    let failure: unknown;
    try {
      temp = openNetns(THREAD_NETNS_PATH);
    } catch (e) {
      failure = e;
    }
    try {
      setns(saved, CLONE_NEWNET);
    } catch (e) {
      temp?.close();
      throw new NetnsRestoreError('could not return to the original network namespace after creating a temporary one', { cause: e });
    }
    if (temp === undefined) throw failure;
    return temp;
  } finally {
    closeFd(saved);
  }
}
