// The JSON Schemas of the plugins' configurations, made from their zod schemas: written to
// schemas/*.json by scripts/schemas.mjs, checked against those files by plugin-schemas.test.ts,
// read by the plugins and `cnitool validate` (lib/cni/json-schema.ts).
import * as z from 'zod/mini';
import { bandwidthSchema } from '../../plugins/bandwidth/schema.ts';
import { bridgeSchema } from '../../plugins/bridge/schema.ts';
import { firewallSchema } from '../../plugins/firewall/schema.ts';
import { hostDeviceSchema } from '../../plugins/host-device/schema.ts';
import { loopbackSchema } from '../../plugins/loopback/schema.ts';
import { portMappingSchema, portmapSchema } from '../../plugins/portmap/schema.ts';
import { tuningSchema } from '../../plugins/tuning/schema.ts';
import { ptpSchema } from '../../plugins/ptp/schema.ts';
import { dhcpIpamSchema } from '../../plugins/dhcp/schema.ts';
import { vlanSchema } from '../../plugins/vlan/schema.ts';
import { vrfSchema } from '../../plugins/vrf/schema.ts';
import { tapSchema } from '../../plugins/tap/schema.ts';
import { dummySchema } from '../../plugins/dummy/schema.ts';
import { sbrSchema } from '../../plugins/sbr/schema.ts';
import { macvlanSchema } from '../../plugins/macvlan/schema.ts';
import { ipvlanSchema } from '../../plugins/ipvlan/schema.ts';
import { staticIpamSchema, staticRequestSchema } from '../../plugins/static/schema.ts';
import { hostLocalIpamSchema, hostLocalRequestSchema } from '../../lib/host-local/schema.ts';

interface SchemaFile {
  readonly schema: z.ZodMiniType;
  readonly title: string;
  /** Schemas a plugin checks other parts of a request with, under "$defs" (no editor needs them). */
  readonly defs?: Readonly<Record<string, z.ZodMiniType>>;
}

const SCHEMAS: Readonly<Record<string, SchemaFile>> = {
  bandwidth: { schema: bandwidthSchema, title: 'bandwidth plugin configuration' },
  bridge: { schema: bridgeSchema, title: 'bridge plugin configuration' },
  firewall: { schema: firewallSchema, title: 'firewall plugin configuration' },
  'host-device': { schema: hostDeviceSchema, title: 'host-device plugin configuration' },
  'host-local': {
    schema: hostLocalIpamSchema,
    title: 'host-local IPAM configuration (the "ipam" section of a plugin that delegates to it)',
    defs: { request: hostLocalRequestSchema },
  },
  loopback: { schema: loopbackSchema, title: 'loopback plugin configuration' },
  portmap: { schema: portmapSchema, title: 'portmap plugin configuration', defs: { portMapping: portMappingSchema } },
  tuning: { schema: tuningSchema, title: 'tuning plugin configuration' },
  ptp: { schema: ptpSchema, title: 'ptp plugin configuration' },
  vlan: { schema: vlanSchema, title: 'vlan plugin configuration' },
  vrf: { schema: vrfSchema, title: 'vrf plugin configuration' },
  tap: { schema: tapSchema, title: 'tap plugin configuration' },
  dummy: { schema: dummySchema, title: 'dummy plugin configuration' },
  sbr: { schema: sbrSchema, title: 'sbr plugin configuration' },
  macvlan: { schema: macvlanSchema, title: 'macvlan plugin configuration' },
  ipvlan: { schema: ipvlanSchema, title: 'ipvlan plugin configuration' },
  static: {
    schema: staticIpamSchema,
    title: 'static IPAM configuration (the "ipam" section of a plugin that delegates to it)',
    defs: { request: staticRequestSchema },
  },
  dhcp: { schema: dhcpIpamSchema, title: 'dhcp IPAM configuration (the "ipam" section of a plugin that delegates to it)' },
};

/** The JSON Schema of `schema`, and the $schema URI toJSONSchema puts at its top. */
function jsonSchema(schema: z.ZodMiniType): { $schema: unknown; rest: Record<string, unknown> } {
  // "output": objects that drop unknown keys get additionalProperties false, which is what
  // lets editors and cnitool point at a misspelled key.
  const { $schema, ...rest } = z.toJSONSchema(schema, { io: 'output', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { $schema, rest };
}

/** File name (without .json) -> JSON Schema, in the form committed under schemas/. */
export function pluginJsonSchemas(): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, { schema, title, defs }] of Object.entries(SCHEMAS)) {
    const { $schema, rest } = jsonSchema(schema);
    out[name] = { $schema, title, ...rest, ...(defs ? { $defs: Object.fromEntries(Object.entries(defs).map(([k, d]) => [k, jsonSchema(d).rest])) } : {}) };
  }
  return out;
}

/** The text of schemas/<name>.json. */
export function schemaFileText(schema: unknown): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
