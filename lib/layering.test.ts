import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The layering rules of the architecture, checked on every import specifier of every source
// file (tests excluded: they may reach across layers to set things up).

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.startsWith('test-') ? [p] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1] as string);
}

/** The lib folder (or "plugins/<name>") an import resolves to, or the package name. */
function target(file: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  const rel = relative(root, resolve(root, dirname(file), spec)).split('/');
  return rel[0] === 'lib' ? `lib/${(rel[1] ?? '').replace(/\.ts$/, '')}` : `${rel[0]}/${rel[1]}`;
}

const allowed: Record<string, readonly string[]> = {
  'lib/cni': [],
  'lib/addr': [],
  'lib/sys': [],
  'lib/undo': [],
  'lib/netlink': ['lib/sys'],
  'lib/invoke': ['lib/cni', 'lib/sys'],
  'lib/firewall': ['lib/addr', 'lib/sys'],
  'lib/netns': ['lib/sys', 'lib/netlink', 'lib/cni'],
  'lib/runtime': ['lib/cni', 'lib/invoke'],
  'lib/host-local': ['lib/cni', 'lib/addr', 'lib/sys'],
};

const files = [...sources('lib'), ...sources('plugins'), ...sources('cmd')];

describe('layering', () => {
  it.each(files.filter((f) => f.startsWith('lib/') && !f.startsWith('lib/testing')))('%s imports only lower layers', (file) => {
    const own = `lib/${file.split('/')[1]?.replace(/\.ts$/, '')}`;
    for (const spec of imports(file)) {
      const t = target(file, spec);
      if (!t.startsWith('lib/') || t === own) continue;
      expect(allowed[own] ?? [], `${file} imports ${spec}`).toContain(t);
    }
  });

  it.each(files)('%s uses koffi only inside lib/sys, zod only in config parsers, and never plugins, runtime or testing from lib code', (file) => {
    for (const spec of imports(file)) {
      const t = target(file, spec);
      if (spec === 'koffi') expect(file.startsWith('lib/sys/'), `${file} imports koffi`).toBe(true);
      if (spec.startsWith('bun:')) expect(file.startsWith('lib/sys/'), `${file} imports ${spec}`).toBe(true);
      // the multi-call entry loads programs only by name at run time, never by import
      if (file.startsWith('cmd/')) expect(['lib/sys', 'lib/cni', './environment.ts', './programs.json'], `${file} imports ${spec}`).toContain(t.startsWith('lib/') ? t : spec);
      // zod describes the wire format only, at the edges (architecture rule 6)
      if (spec.startsWith('zod')) expect(file.endsWith('/config.ts') || file === 'lib/cni/schema.ts', `${file} imports ${spec}`).toBe(true);
      if (file.startsWith('plugins/')) {
        const plugin = file.split('/').slice(0, 2).join('/');
        if (t.startsWith('plugins/')) expect(t, `${file} imports another plugin`).toBe(plugin);
        expect(['lib/runtime', 'lib/testing'], `${file} imports ${spec}`).not.toContain(t);
      }
      if (file.startsWith('lib/')) expect(t.startsWith('plugins/'), `${file} imports a plugin`).toBe(false);
    }
  });
});
