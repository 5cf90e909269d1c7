// `cnitool validate`'s check of each plugin's own keys, against the JSON Schemas committed in
// schemas/ (generated from the plugins' zod schemas; lib/runtime may not import plugins), with
// the checker the plugins use (lib/cni/json-schema.ts).
// Loaded only by `validate`, so other verbs do not pay for it.
import bandwidth from '../../../schemas/bandwidth.json' with { type: 'json' };
import bridge from '../../../schemas/bridge.json' with { type: 'json' };
import firewall from '../../../schemas/firewall.json' with { type: 'json' };
import dhcp from '../../../schemas/dhcp.json' with { type: 'json' };
import hostDevice from '../../../schemas/host-device.json' with { type: 'json' };
import hostLocal from '../../../schemas/host-local.json' with { type: 'json' };
import ipvlan from '../../../schemas/ipvlan.json' with { type: 'json' };
import loopback from '../../../schemas/loopback.json' with { type: 'json' };
import macvlan from '../../../schemas/macvlan.json' with { type: 'json' };
import portmap from '../../../schemas/portmap.json' with { type: 'json' };
import ptp from '../../../schemas/ptp.json' with { type: 'json' };
import sbr from '../../../schemas/sbr.json' with { type: 'json' };
import staticIpam from '../../../schemas/static.json' with { type: 'json' };
import tuning from '../../../schemas/tuning.json' with { type: 'json' };
import vlan from '../../../schemas/vlan.json' with { type: 'json' };
import vrf from '../../../schemas/vrf.json' with { type: 'json' };
import tap from '../../../schemas/tap.json' with { type: 'json' };
import dummy from '../../../schemas/dummy.json' with { type: 'json' };
import type { NetworkConfigList } from '../conf.ts';
import { type Finding, checkValue } from '../../cni/json-schema.ts';

/** Plugin type -> the schema of its configuration object. */
const PLUGIN_SCHEMAS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = { bandwidth, bridge, firewall, 'host-device': hostDevice, ipvlan, loopback, macvlan, portmap, ptp, tuning, vlan, vrf, dummy, tap, sbr };
/** IPAM plugin type -> the schema of the `ipam` section of a plugin that delegates to it. */
const IPAM_SCHEMAS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = { dhcp, 'host-local': hostLocal, static: staticIpam };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function unchecked(path: string, what: string): Finding {
  return { severity: 'note', path, message: `${path}: no schema for ${what} in this suite; its keys were not checked` };
}

/**
 * Checks every plugin of the list (and the `ipam` section of one that delegates) against the
 * schema of its type: errors for wrong types and values, warnings for unknown keys, a note
 * for a plugin this suite has no schema for.
 */
export function checkPluginConfigs(list: NetworkConfigList): Finding[] {
  const out: Finding[] = [];
  list.plugins.forEach((plugin, i) => {
    const path = `plugins[${i}]`;
    const schema = PLUGIN_SCHEMAS[plugin.type];
    if (schema) checkValue(plugin.raw, schema, path, out);
    else out.push(unchecked(path, `plugin type "${plugin.type}"`));
    const ipam = plugin.raw.ipam;
    if (!isObject(ipam) || typeof ipam.type !== 'string' || ipam.type === '') return;
    const ipamSchema = IPAM_SCHEMAS[ipam.type];
    if (ipamSchema) checkValue(ipam, ipamSchema, `${path}.ipam`, out);
    else out.push(unchecked(`${path}.ipam`, `IPAM type "${ipam.type}"`));
  });
  return out;
}
