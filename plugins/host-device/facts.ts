import { type NetlinkSocket, listLinks, listRoutes } from '../../lib/link/index.ts';

import type { DeviceSelector } from './config.ts';
import type { NodeFacts } from './plan.ts';
import { auxNetDevices, kernelPathNetDevices, pciNetDevices } from './sysfs.ts';

/** A unicast route (not unreachable, blackhole or prohibit: those lead nowhere). */
const RTN_UNICAST = 1;

/** Reads the node namespace's links, default routes and the sysfs entries the selectors point at. */
export function readNodeFacts(node: NetlinkSocket, sysfsRoot: string): NodeFacts {
  const defaults = [...listRoutes(node, { family: 4 }), ...listRoutes(node, { family: 6 })].filter((r) => (r.dst === '0.0.0.0/0' || r.dst === '::/0') && r.type === RTN_UNICAST);
  return {
    links: listLinks(node),
    defaultRouteDevices: defaults.flatMap((r) => (r.oif === undefined ? [] : [r.oif])),
    sysfsNames: (s: DeviceSelector) => {
      if (s.by === 'kernelpath') return kernelPathNetDevices(sysfsRoot, s.path);
      if (s.by === 'pci') return pciNetDevices(sysfsRoot, s.id);
      if (s.by === 'auxiliary') return auxNetDevices(sysfsRoot, s.id);
      return undefined;
    },
  };
}
