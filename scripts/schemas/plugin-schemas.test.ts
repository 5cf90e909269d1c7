import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pluginJsonSchemas, schemaFileText } from './plugin-schemas.ts';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'schemas');
const generated = pluginJsonSchemas();

describe('schemas/*.json', () => {
  it.each(Object.keys(generated))('schemas/%s.json is what the zod schema generates (run `npm run schemas` after changing a config)', (name) => {
    expect(readFileSync(join(dir, `${name}.json`), 'utf8')).toBe(schemaFileText(generated[name]));
  });

  it('holds no file that no schema generates', () => {
    expect(readdirSync(dir).sort()).toEqual(Object.keys(generated).map((n) => `${n}.json`).sort());
  });
});
