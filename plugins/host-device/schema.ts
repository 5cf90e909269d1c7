// The host-device plugin's configuration keys, as written in a conflist: the source of
// schemas/host-device.json (npm run schemas), which config.ts checks a configuration against.
// Imported for types only by the plugin, so zod stays out of it (see lib/cni/schema.ts).
import * as z from 'zod/mini';
import { bool, netConfKeys, openRecord, record, str } from '../../lib/cni/schema.ts';

/** The host-device plugin's configuration keys, as written in a conflist. */
export const hostDeviceSchema = record(
  {
    ...netConfKeys,
    device: z.optional(str('Name of the node\'s network device to move into the pod, e.g. "eth1".', 'an interface name')),
    hwaddr: z.optional(str('MAC address of the device to move (the one link with that address).', 'a MAC address string')),
    kernelpath: z.optional(str('Its kernel object path, e.g. "/sys/devices/pci0000:00/0000:00:04.0": the one device under <path>/net/.', 'an absolute path under /sys/devices/')),
    pciBusID: z.optional(str('Its PCI address, e.g. "0000:00:04.0": the one device under /sys/bus/pci/devices/<id>/net/; a function bound to a DPDK driver is passed without a netdev.', 'a PCI address such as "0000:00:04.0"')),
    DPDKMode: z.optional(bool('Pass no netdev (the reference\'s untagged field; set from pciBusID\'s driver when pciBusID is given).')),
    runtimeConfig: z.optional(
      openRecord(
        { deviceID: z.optional(str('The deviceID capability: a PCI address (replaces pciBusID) or an auxiliary device name.', 'a PCI address or auxiliary device name')) },
        'Capability arguments, set by the runtime.',
      ),
    ),
    ipam: z.optional(openRecord({ type: str('The IPAM plugin to run, such as "host-local" (empty: none).') }, 'Optional: the IPAM plugin that gives the device its addresses.')),
  },
  'The host-device plugin: moves an existing network device of the node into the pod, renamed to CNI_IFNAME, and back on DEL.',
);

/** The host-device configuration's keys once checked (nulls dropped). */
export type HostDeviceKeys = z.output<typeof hostDeviceSchema>;
