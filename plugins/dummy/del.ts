import { type AttachmentRequest, settleSteps, startStep } from '../../lib/cni/index.ts';
import { ipamClient } from '../../lib/ipam/index.ts';
import { type ContainerInterface, deleteLink, findContainerInterface, getLink } from '../../lib/link/index.ts';
import { parseDummyConfig } from './config.ts';

/**
 * DEL: delete the container's interface and release the IPAM reservation, independently: an
 * empty CNI_NETNS or a vanished namespace still releases, and an interface already gone counts
 * as deleted. IPAM DEL waits for the deletion, so an address still in use is never handed out
 * again.
 */
export async function del(req: AttachmentRequest): Promise<void> {
  const cfg = parseDummyConfig(req);
  let found: ContainerInterface | undefined;
  let lookupError: unknown;
  try {
    found = findContainerInterface(req.netns, req.ifname);
  } catch (e) {
    lookupError = e;
  }
  try {
    const own = found;
    const unlink = startStep(() => {
      if (own?.index === undefined) return false;
      // only what ADD makes: after an ADD refused because CNI_IFNAME was taken, the runtime's
      // DEL must not delete the interface that was there before
      const link = getLink(own.sock, own.index);
      if (link && link.kind !== 'dummy') {
        process.stderr.write(`dummy: DEL leaves ${req.ifname}: it is a ${link.kind ?? 'device without a kind'}, not a dummy\n`);
        return false;
      }
      return deleteLink(own.sock, own.index);
    });
    const ipam = unlink.catch(() => {}).then(() => ipamClient(cfg.ipamType, req.path).del(req));
    await settleSteps('dummy DEL', [
      ['open the container namespace', lookupError === undefined ? undefined : Promise.reject(lookupError)],
      ['delete the dummy interface', unlink],
      ['release the IPAM address', ipam],
    ]);
  } finally {
    found?.close();
  }
}
