import { CniError, ErrorCode } from '../../lib/cni/index.ts';
import {
  type NetlinkSocket,
  type RouteSpec,
  addSourceRule,
  addTableRoute,
  getLink,
  listMainRoutesOf,
  listPolicyRules,
  listRoutesOfAllTables,
  lockNamespace,
  putTableRoute,
  removeRule,
  removeTableRoute,
} from '../../lib/link/index.ts';
import { type Netns, openContainerNetns, routeSocketIn } from '../../lib/netns/index.ts';
import type { UndoStack } from '../../lib/undo.ts';
import type { PodRouting, SbrPlan } from './plan.ts';

/** The pod's namespace, locked against other sbr runs (ours and Go's), and a socket inside it. */
export interface Pod {
  readonly ns: Netns;
  readonly sock: NetlinkSocket;
  close(): void;
}

/**
 * Opens CNI_NETNS (code 3 when it is gone, 4 when it is not a namespace) and takes its lock:
 * choosing a free table and taking it must not interleave with another run in the same pod.
 */
export function openPod(netns: string): Pod {
  return lockedPod(openContainerNetns(netns));
}

/** Locks an opened namespace and opens a socket inside it; the namespace is closed on failure. */
export function lockedPod(ns: Netns): Pod {
  let unlock: (() => void) | undefined;
  try {
    unlock = lockNamespace(ns);
    const sock = routeSocketIn(ns);
    const release = unlock;
    return {
      ns,
      sock,
      close() {
        sock.close();
        release();
        ns.close();
      },
    };
  } catch (e) {
    unlock?.();
    ns.close();
    throw e;
  }
}

/** The interface's index. @throws CniError when the interface plugin left no such interface. */
export function interfaceIndex(sock: NetlinkSocket, ifname: string): number {
  const link = getLink(sock, ifname);
  if (!link) throw new CniError(ErrorCode.Internal, `Cannot find network interface ${ifname}`, 'sbr works on the interface the previous plugin made in the pod (CNI_IFNAME)');
  return link.index;
}

/** The rules and routes a plan is made from. */
export function readPodRouting(sock: NetlinkSocket, ifname: string): PodRouting {
  const linkIndex = interfaceIndex(sock, ifname);
  return { linkIndex, rules: listPolicyRules(sock), routes: listRoutesOfAllTables(sock), linkRoutes: listMainRoutesOf(sock, linkIndex) };
}

function describe(spec: RouteSpec): string {
  return `${spec.dst}${spec.gateway === undefined ? '' : ` via ${spec.gateway}`} table ${spec.table}`;
}

/** Runs `fn`, naming the step in its error (the kernel's reason kept as the cause). */
function step(what: string, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    throw new CniError(ErrorCode.Internal, `failed to ${what}: ${(e as Error).message}`, undefined, { cause: e });
  }
}

/**
 * Carries out the plan: per table its rule, its default route, its copies (replacing, since a
 * copy of the main default route is the default route just added); then the interface's routes
 * leave the main table. Every change registers its undo, so a failed ADD puts the main table
 * back and leaves no rule or table route.
 */
export function applySbr(sock: NetlinkSocket, plan: SbrPlan, undo: UndoStack): void {
  for (const t of plan.tables) {
    step(`add rule from ${t.source} lookup ${t.table}`, () => addSourceRule(sock, t.source, t.table));
    undo.push(`delete rule from ${t.source} lookup ${t.table}`, () => {
      for (const r of listPolicyRules(sock, t.table)) if (r.src === t.source) removeRule(sock, r);
    });
    const routes = [...(t.defaultRoute ? [{ spec: t.defaultRoute, add: true }] : []), ...t.copies.map((spec) => ({ spec, add: false }))];
    for (const { spec, add } of routes) {
      step(`${add ? 'add' : 'copy'} route ${describe(spec)}`, () => (add ? addTableRoute(sock, spec) : putTableRoute(sock, spec)));
      undo.push(`delete route ${describe(spec)}`, () => removeTableRoute(sock, spec));
    }
  }
  for (const spec of plan.removeFromMain) {
    step(`delete route ${describe(spec)}`, () => removeTableRoute(sock, spec));
    undo.push(`restore route ${describe(spec)}`, () => addTableRoute(sock, spec));
  }
}
