import { CniError, ErrorCode } from '../../lib/cni/index.ts';
import {
  type Link,
  NetlinkSocket,
  type NetnsSide,
  getLink,
  getLinkAlias,
  moveLinkInto,
  setLink,
  setLinkAlias,
} from '../../lib/link/index.ts';
import { type Netns, createTempNetns, openCurrentNetns, routeSocketIn } from '../../lib/netns/index.ts';
import { UndoStack } from '../../lib/undo.ts';

// A device goes node -> temporary namespace -> pod on ADD and back on DEL: it is renamed (and
// its alias set or cleared) only inside the anonymous temporary namespace, where its name can
// collide with nothing and no udev or NetworkManager of the node watches it rename. Every
// step registers its undo, so a failure leaves the device where it was, with its name.

/** The three namespaces of a move, each with a route socket; closed together. */
export interface MoveSides {
  readonly node: NetnsSide;
  readonly pod: NetnsSide;
  readonly temp: NetnsSide;
  close(): void;
}

/** Opens the node side (this process's namespace), a fresh temporary namespace and the pod side. */
export function openMoveSides(pod: Netns): MoveSides {
  const opened: { close(): void }[] = [];
  try {
    const nodeNs = openCurrentNetns();
    opened.push(nodeNs);
    const nodeSock = NetlinkSocket.open();
    opened.push(nodeSock);
    const tempNs = createTempNetns();
    opened.push(tempNs);
    const tempSock = routeSocketIn(tempNs);
    opened.push(tempSock);
    const podSock = routeSocketIn(pod);
    opened.push(podSock);
    return {
      node: { ns: nodeNs, sock: nodeSock, label: 'the node\'s network namespace' },
      temp: { ns: tempNs, sock: tempSock, label: 'the temporary network namespace' },
      pod: { ns: pod, sock: podSock, label: `the pod's network namespace ${pod.path}` },
      close: () => {
        for (const o of [...opened].reverse()) o.close();
      },
    };
  } catch (e) {
    for (const o of [...opened].reverse()) o.close();
    throw e;
  }
}

/** Moves a link found by `name` in `from` into `to` (keeping its name); false when it is not in `from`. */
function moveBack(from: NetnsSide, to: NetnsSide, name: string): boolean {
  const link = getLink(from.sock, name);
  if (!link) return false;
  moveLinkInto(from.sock, link.index, to, name);
  return true;
}

/**
 * ADD's move: the node's `device` into the pod as `ifname`, its original name kept as the
 * link's alias (as the reference does, so either implementation's DEL restores it), and up.
 * @returns the device as the pod sees it.
 */
export function moveDeviceIntoPod(s: MoveSides, device: Link, ifname: string, undo: UndoStack): Link {
  const original = device.name;
  const previousAlias = getLinkAlias(s.node.sock, device.index) ?? '';
  const inTemp = moveLinkInto(s.node.sock, device.index, s.temp, original);
  undo.push(`return ${original} to the node`, () => {
    if (!moveBack(s.temp, s.node, original)) return;
    // moving sets a device down; it was up on the node before
    if (device.up) setLink(s.node.sock, original, { up: true });
  });
  setLink(s.temp.sock, inTemp.index, { name: ifname });
  undo.push(`rename ${ifname} back to ${original}`, () => setLink(s.temp.sock, ifname, { name: original }));
  setLinkAlias(s.temp.sock, inTemp.index, original);
  undo.push(`restore the alias of ${original}`, () => {
    const l = getLink(s.temp.sock, ifname);
    if (l) setLinkAlias(s.temp.sock, l.index, previousAlias);
  });
  const inPod = moveLinkInto(s.temp.sock, inTemp.index, s.pod, ifname);
  undo.push(`move ${ifname} out of the pod`, () => moveBack(s.pod, s.temp, ifname));
  setLink(s.pod.sock, inPod.index, { up: true });
  return getLink(s.pod.sock, inPod.index) ?? inPod;
}

/**
 * DEL's move: the pod's `link` back to the node under `original`, its alias cleared. It is
 * left down there, as the reference leaves it: what state it had before ADD is not recorded.
 * On failure everything is undone: the device stays in the pod as it was.
 * @throws CniError when it cannot return (e.g. the node has a device of that name by now).
 */
export async function moveDeviceOutOfPod(s: MoveSides, link: Link, original: string): Promise<void> {
  const ifname = link.name;
  const undo = new UndoStack();
  try {
    const inTemp = moveLinkInto(s.pod.sock, link.index, s.temp, ifname);
    undo.push(`return ${ifname} to the pod`, () => {
      if (!moveBack(s.temp, s.pod, ifname)) return;
      if (link.up) setLink(s.pod.sock, ifname, { up: true });
    });
    setLink(s.temp.sock, inTemp.index, { name: original });
    undo.push(`rename ${original} back to ${ifname}`, () => setLink(s.temp.sock, original, { name: ifname }));
    setLinkAlias(s.temp.sock, inTemp.index, '');
    undo.push(`restore the alias of ${ifname}`, () => {
      const l = getLink(s.temp.sock, original);
      if (l) setLinkAlias(s.temp.sock, l.index, original);
    });
    if (getLink(s.node.sock, original)) {
      throw new CniError(ErrorCode.Internal, `cannot return ${ifname} to the node as ${original}: the node has a device of that name`, 'rename or remove the node\'s device, then run DEL again; the device stays in the pod meanwhile');
    }
    moveLinkInto(s.temp.sock, inTemp.index, s.node, original);
  } catch (e) {
    const undoErrors = await undo.unwind();
    for (const u of undoErrors) process.stderr.write(`host-device: rollback after a failed DEL: ${u.message}\n`);
    throw e;
  }
}
