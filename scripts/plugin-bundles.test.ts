import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// zod makes the configs' JSON Schemas at build time (lib/cni/schema.ts): in a program it would
// cost every start about 15 ms. A value import of a schema.ts, or of zod, brings it back.

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entries = JSON.parse(readFileSync(join(root, 'cmd', 'programs.json'), 'utf8')) as Record<string, string>;

describe('program bundles', () => {
  it.each(Object.entries(entries))('%s (%s) does not bundle zod', async (_, entry) => {
    const { metafile } = await build({
      entryPoints: [join(root, entry)],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'cjs',
      external: ['koffi'],
      logLevel: 'silent',
    });
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.filter((f) => f.includes('node_modules/zod/') || f.endsWith('/schema.ts'))).toEqual([]);
    expect(inputs.some((f) => f.endsWith('lib/cni/skel.ts')), 'the check sees the program\'s modules').toBe(true);
  });
});
