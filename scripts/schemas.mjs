#!/usr/bin/env node
// Regenerates schemas/*.json (the JSON Schemas of the plugins' configurations) from the zod
// schemas in the plugins' schema.ts. `npm test` fails while a committed file differs.
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(join(tmpdir(), 'cnits-schemas-'));
try {
  const outfile = join(tmp, 'plugin-schemas.cjs');
  await build({ entryPoints: [join(root, 'scripts/schemas/plugin-schemas.ts')], outfile, bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning' });
  const { pluginJsonSchemas, schemaFileText } = createRequire(import.meta.url)(outfile);
  mkdirSync(join(root, 'schemas'), { recursive: true });
  for (const [name, schema] of Object.entries(pluginJsonSchemas())) {
    writeFileSync(join(root, 'schemas', `${name}.json`), schemaFileText(schema));
    console.log(`schemas/${name}.json`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
