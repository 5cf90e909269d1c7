import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import programs from './programs.json' with { type: 'json' };

const root = join(import.meta.dirname, '..');

describe('the multi-call entry', () => {
  it.each(Object.entries(programs).filter(([name]) => name !== 'cnitool'))(
    '%s speaks every supported version, so the entry may answer VERSION for it without loading it',
    (_name, entry) => {
      const main = readFileSync(join(root, entry), 'utf8');
      expect(main).toContain('pluginMain(');
      expect(main).not.toMatch(/\bversions\s*:/);
    },
  );
});
