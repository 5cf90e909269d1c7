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

/** The specifiers of `import type` statements: these are gone at run time. */
function typeImports(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/^\s*import\s+type\s[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1] as string);
}

/** The lib folder (or "plugins/<name>") an import resolves to, or the package name. */
function target(file: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  const rel = relative(root, resolve(root, dirname(file), spec)).split('/');
  return rel[0] === 'lib' ? `lib/${(rel[1] ?? '').replace(/\.ts$/, '')}` : `${rel[0]}/${rel[1]}`;
}

/**
 * The lib folders by layer, lowest first. A folder imports only folders of lower layers, and
 * of those only the ones `allowed` names; every folder of lib (but lib/testing, which may use
 * anything) must stand here, so a new folder is placed on purpose.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['lib/core', 'lib/addr', 'lib/sys', 'lib/undo'],
  ['lib/cni', 'lib/netlink', 'lib/dhcp'],
  ['lib/invoke', 'lib/firewall', 'lib/netns', 'lib/host-local'],
  ['lib/runtime', 'lib/ipam', 'lib/link'],
];

const allowed: Record<string, readonly string[]> = {
  'lib/core': [],
  'lib/addr': [],
  'lib/sys': [],
  'lib/undo': [],
  'lib/cni': ['lib/core', 'lib/addr'],
  'lib/netlink': ['lib/sys', 'lib/addr'],
  'lib/dhcp': ['lib/addr'],
  'lib/invoke': ['lib/cni', 'lib/sys'],
  'lib/firewall': ['lib/core', 'lib/addr', 'lib/sys', 'lib/netlink'],
  'lib/netns': ['lib/sys', 'lib/netlink', 'lib/cni'],
  'lib/host-local': ['lib/core', 'lib/cni', 'lib/addr', 'lib/sys'],
  'lib/runtime': ['lib/core', 'lib/cni', 'lib/invoke', 'lib/sys'],
  'lib/ipam': ['lib/cni', 'lib/addr', 'lib/invoke', 'lib/host-local', 'lib/undo'],
  'lib/link': ['lib/netlink', 'lib/netns', 'lib/addr', 'lib/sys', 'lib/cni'],
};

/**
 * cnitool's node verbs (inspect, doctor) read what the plugins leave on a node, with the
 * libraries that write it; the runtime library itself stays free of them.
 */
const CNITOOL_EXTRA: readonly string[] = ['lib/firewall', 'lib/netlink', 'lib/host-local', 'lib/addr'];

/** What plugins may not import: the wire protocol under lib/link, and what only runtimes and tests use. */
const NOT_FOR_PLUGINS = ['lib/netlink', 'lib/runtime', 'lib/testing'];

const layerOf = (folder: string): number => LAYERS.findIndex((l) => l.includes(folder));

const files = [...sources('lib'), ...sources('plugins'), ...sources('cmd')];

describe('layering', () => {
  it('places every lib folder in a layer, above everything it may import', () => {
    const folders = readdirSync(join(root, 'lib'), { withFileTypes: true })
      .filter((e) => (e.isDirectory() || (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))) && e.name !== 'testing')
      .map((e) => `lib/${e.name.replace(/\.ts$/, '')}`);
    for (const f of folders) expect(layerOf(f), `${f} has no layer`).toBeGreaterThanOrEqual(0);
    for (const [folder, deps] of Object.entries(allowed)) {
      for (const d of deps) expect(layerOf(d), `${folder} may import ${d}`).toBeLessThan(layerOf(folder));
    }
  });

  it.each(files.filter((f) => f.startsWith('lib/') && !f.startsWith('lib/testing')))('%s imports only lower layers', (file) => {
    const own = `lib/${file.split('/')[1]?.replace(/\.ts$/, '')}`;
    for (const spec of imports(file)) {
      const t = target(file, spec);
      if (!t.startsWith('lib/') || t === own) continue;
      const extra = file.startsWith('lib/runtime/cnitool/') ? CNITOOL_EXTRA : [];
      expect([...(allowed[own] ?? []), ...extra], `${file} imports ${spec}`).toContain(t);
    }
  });

  it.each(files)('%s uses koffi only inside lib/sys, zod only in schema modules, and never plugins, runtime or testing from lib code', (file) => {
    for (const spec of imports(file)) {
      const t = target(file, spec);
      if (spec === 'koffi') expect(file.startsWith('lib/sys/'), `${file} imports koffi`).toBe(true);
      if (spec.startsWith('bun:')) expect(file.startsWith('lib/sys/'), `${file} imports ${spec}`).toBe(true);
      // the multi-call entry loads programs only by name at run time, never by import
      if (file.startsWith('cmd/')) expect(['lib/sys', 'lib/cni', './environment.ts', './programs.json'], `${file} imports ${spec}`).toContain(t.startsWith('lib/') ? t : spec);
      // zod describes the wire format, at build time only (architecture rule 6): the plugins
      // check against the schemas/*.json made from it, and import a schema.ts for types only
      if (spec.startsWith('zod')) expect(file.endsWith('/schema.ts'), `${file} imports ${spec}`).toBe(true);
      if (spec.endsWith('/schema.ts') && !file.endsWith('/schema.ts')) expect(typeImports(file), `${file} imports ${spec} for more than types`).toContain(spec);
      if (file.startsWith('plugins/')) {
        const plugin = file.split('/').slice(0, 2).join('/');
        if (t.startsWith('plugins/')) expect(t, `${file} imports another plugin`).toBe(plugin);
        expect(NOT_FOR_PLUGINS, `${file} imports ${spec}`).not.toContain(t);
      }
      if (file.startsWith('lib/')) expect(t.startsWith('plugins/'), `${file} imports a plugin`).toBe(false);
    }
  });
});
