import { type AttachmentRequest, settleSteps, startStep } from '../cni/index.ts';
import { type ContainerInterface, findContainerInterface } from './container-interface.ts';
import { deleteLink, getLink } from '../netlink/index.ts';

/** The one link an interface plugin made in the pod, and how its DEL names it. */
export interface OwnInterface {
  /** The plugin, for messages: "macvlan". */
  readonly plugin: string;
  /** IFLA_INFO_KIND of what ADD makes ("macvlan", "tun", ...). */
  readonly kind: string;
  /** "a macvlan", "a tap": for the line saying an interface is not ours. */
  readonly noun: string;
  /** IPAM's DEL, when the config has IPAM. */
  readonly release?: (() => Promise<unknown>) | undefined;
}

/**
 * DEL of an interface plugin that owns one link in the pod (macvlan, ipvlan, vlan, tap, dummy):
 * delete CNI_IFNAME and release IPAM's address, each independently, so an empty CNI_NETNS or a
 * vanished namespace (the link went with it) still releases. Only a link of `kind` is deleted:
 * after an ADD refused because CNI_IFNAME was taken, the runtime's DEL must not delete the
 * interface that was there before. IPAM's DEL waits for the deletion, so an address still on
 * a live interface is never handed out again.
 */
export async function deleteOwnInterface(req: AttachmentRequest, own: OwnInterface): Promise<void> {
  let found: ContainerInterface | undefined;
  let lookupError: unknown;
  try {
    found = findContainerInterface(req.netns, req.ifname);
  } catch (e) {
    lookupError = e; // e.g. CNI_NETNS is not a netns: still release the address
  }
  try {
    const pod = found;
    const unlink = startStep(() => {
      if (pod?.index === undefined) return;
      const link = getLink(pod.sock, pod.index);
      if (!link) return; // gone since the lookup
      if (link.kind === own.kind) deleteLink(pod.sock, pod.index);
      else process.stderr.write(`${own.plugin}: DEL leaves ${req.ifname}: it is a ${link.kind ?? 'device without a kind'}, not ${own.noun}\n`);
    });
    const { release } = own;
    await settleSteps(`${own.plugin} DEL`, [
      ['open the container namespace', lookupError === undefined ? undefined : Promise.reject(lookupError)],
      ['delete the container interface', unlink],
      ['release the IPAM address', release ? unlink.catch(() => {}).then(release) : undefined],
    ]);
  } finally {
    found?.close();
  }
}
