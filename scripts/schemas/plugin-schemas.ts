// The JSON Schemas of the plugins' configurations, made from their zod schemas: written to
// schemas/*.json by scripts/schemas.mjs, checked against those files by plugin-schemas.test.ts,
// read by `cnitool validate`.
import * as z from 'zod/mini';
import { bridgeSchema } from '../../plugins/bridge/config.ts';
import { loopbackSchema } from '../../plugins/loopback/config.ts';
import { portmapSchema } from '../../plugins/portmap/config.ts';
import { hostLocalIpamSchema } from '../../lib/host-local/config.ts';

const SCHEMAS: Readonly<Record<string, { schema: z.ZodMiniType; title: string }>> = {
  bridge: { schema: bridgeSchema, title: 'bridge plugin configuration' },
  'host-local': { schema: hostLocalIpamSchema, title: 'host-local IPAM configuration (the "ipam" section of a plugin that delegates to it)' },
  loopback: { schema: loopbackSchema, title: 'loopback plugin configuration' },
  portmap: { schema: portmapSchema, title: 'portmap plugin configuration' },
};

/** File name (without .json) -> JSON Schema, in the form committed under schemas/. */
export function pluginJsonSchemas(): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, { schema, title }] of Object.entries(SCHEMAS)) {
    // "output": objects that drop unknown keys get additionalProperties false, which is what
    // lets editors and cnitool point at a misspelled key; refinements have no JSON form.
    const { $schema, ...rest } = z.toJSONSchema(schema, { io: 'output', target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
    out[name] = { $schema, title, ...rest };
  }
  return out;
}

/** The text of schemas/<name>.json. */
export function schemaFileText(schema: unknown): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
