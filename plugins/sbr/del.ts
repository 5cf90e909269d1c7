import { type AttachmentRequest, readablePrevResult, throwCollected } from '../../lib/cni/index.ts';
import { getLink, listAddresses, listPolicyRules, listRoutesOfAllTables, removeRule, removeTableRoute, routeSpecOf } from '../../lib/link/index.ts';
import { openContainerNetnsForDel } from '../../lib/netns/index.ts';
import { lockedPod } from './apply.ts';
import { parseSbrConfigForDel } from './config.ts';
import { canonicalIp, rulesToRemove, selectAddresses } from './plan.ts';

/**
 * DEL: remove the "from <address>" rules of the interface's addresses (those on the interface,
 * and prevResult's when it is given, so the rules go also when the interface went first) and,
 * in the tables sbr chose, the interface's routes. A namespace that is gone, or an interface
 * with nothing left, is success (Go's fails on a vanished namespace and leaves a file at its
 * path). Every rule and route is tried; the failures are reported together.
 */
export async function del(req: AttachmentRequest): Promise<void> {
  const cfg = parseSbrConfigForDel(req);
  const ns = openContainerNetnsForDel(req.netns);
  if (!ns) return;
  const pod = lockedPod(ns);
  try {
    const link = getLink(pod.sock, req.ifname);
    const addresses = new Set<string>();
    if (link) for (const a of listAddresses(pod.sock, { index: link.index })) addresses.add(canonicalIp(a.address));
    const prev = readablePrevResult(req.config);
    if (prev) {
      try {
        for (const a of selectAddresses(prev, req.ifname)) addresses.add(canonicalIp(a.address));
      } catch {
        // a prevResult without addresses of this interface adds none
      }
    }
    const errors: Error[] = [];
    const rules = rulesToRemove(listPolicyRules(pod.sock, cfg.table), addresses, cfg.table);
    for (const rule of rules) {
      try {
        removeRule(pod.sock, rule);
      } catch (e) {
        errors.push(new Error(`delete rule from ${rule.src} lookup ${rule.table}: ${(e as Error).message}`, { cause: e }));
      }
    }
    // a configured table is the administrator's: its routes stay, as in Go
    if (cfg.table === undefined && link) {
      const tables = new Set(rules.map((r) => r.table));
      for (const route of listRoutesOfAllTables(pod.sock)) {
        if (!tables.has(route.table) || route.oif !== link.index) continue;
        try {
          removeTableRoute(pod.sock, routeSpecOf(route, route.table));
        } catch (e) {
          errors.push(new Error(`delete route ${route.dst} table ${route.table}: ${(e as Error).message}`, { cause: e }));
        }
      }
    }
    throwCollected('sbr DEL', errors);
  } finally {
    pod.close();
  }
}
