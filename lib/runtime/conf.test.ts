import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../cni/index.ts';
import { confListFromConf, networkConfFromBytes, networkConfigFromBytes } from './conf.ts';
import { ConfError, NetworkNotFoundError, NoConfigsFoundError } from './errors.ts';
import { listNetworkConfs, loadNetworkConf } from './load.ts';

function bytes(v: unknown): Buffer {
  return Buffer.from(JSON.stringify(v));
}

describe('networkConfFromBytes', () => {
  it('parses a list, keeping its bytes, the selected version and each plugin object as written', () => {
    const src = bytes({
      cniVersion: '1.0.0',
      cniVersions: ['1.1.0'],
      name: 'net',
      plugins: [{ type: 'bridge', bridge: 'br0', capabilities: { portMappings: true, ips: false, mac: true } }, { type: 'portmap' }],
    });
    const list = networkConfFromBytes(src);
    expect(list).toMatchObject({ name: 'net', cniVersion: '1.1.0', disableCheck: false, disableGC: false, loadOnlyInlinedPlugins: false });
    expect(list.bytes.equals(src)).toBe(true);
    expect(list.plugins.map((p) => p.type)).toEqual(['bridge', 'portmap']);
    expect(list.plugins[0]?.capabilities).toEqual(['portMappings', 'mac']);
    expect(list.plugins[0]?.raw).toEqual({ type: 'bridge', bridge: 'br0', capabilities: { portMappings: true, ips: false, mac: true } });
  });

  it.each([
    ['disableCheck', true, true],
    ['disableCheck', 'TRUE', true],
    ['disableCheck', 'False', false],
    ['disableGC', 'true', true],
    ['disableGC', false, false],
    ['loadOnlyInlinedPlugins', 'tRuE', true],
  ])('reads %s %j as %j', (key, value, expected) => {
    const list = networkConfFromBytes(bytes({ name: 'n', cniVersion: '1.1.0', [key]: value, plugins: [{ type: 'x' }] }));
    expect((list as unknown as Record<string, unknown>)[key]).toBe(expected);
  });

  it.each([
    ['not JSON', Buffer.from('{'), /^error parsing configuration list: /],
    ['an array', bytes([]), 'error parsing configuration list: expected a JSON object, got array'],
    ['no name', bytes({ plugins: [{ type: 'x' }] }), 'error parsing configuration list: no name'],
    ['a numeric name', bytes({ name: 1, plugins: [{ type: 'x' }] }), 'error parsing configuration list: invalid name type number'],
    ['disableCheck "yes"', bytes({ name: 'n', disableCheck: 'yes', plugins: [{ type: 'x' }] }), 'error parsing configuration list: invalid value "yes" for disableCheck'],
    ['disableGC 1', bytes({ name: 'n', disableGC: 1, plugins: [{ type: 'x' }] }), 'error parsing configuration list: invalid type number for disableGC'],
    ['empty plugins', bytes({ name: 'n', plugins: [] }), 'error parsing configuration list: no plugins in list'],
    ['plugins not a list', bytes({ name: 'n', plugins: {} }), "error parsing configuration list: invalid 'plugins' type object"],
    [
      'loadOnlyInlinedPlugins without plugins',
      bytes({ name: 'n', loadOnlyInlinedPlugins: true }),
      "error parsing configuration list: `loadOnlyInlinedPlugins` is true, and no 'plugins' key",
    ],
    ['a plugin without type', bytes({ name: 'n', plugins: [{ type: 'x' }, { name: 'y' }] }), "failed to parse plugin config 1: error parsing configuration: missing 'type'"],
    [
      'a non-boolean capability',
      bytes({ name: 'n', plugins: [{ type: 'x', capabilities: { mac: 'yes' } }] }),
      'failed to parse plugin config 0: error parsing configuration: capability "mac" must be true or false, got "yes"',
    ],
  ])('rejects %s', (_name, src, message) => {
    expect(() => networkConfFromBytes(src)).toThrow(ConfError);
    expect(() => networkConfFromBytes(src)).toThrow(message);
  });

  it('accepts a list without plugins (they may come from the directory)', () => {
    expect(networkConfFromBytes(bytes({ name: 'n', cniVersion: '1.1.0' })).plugins).toEqual([]);
  });
});

describe('legacy single-plugin networks', () => {
  it('up-converts to a list of one whose bytes are what Go would write (sorted keys)', () => {
    const net = networkConfigFromBytes(bytes({ type: 'bridge', name: 'legacy', cniVersion: '0.3.1', bridge: 'br<0>' }));
    expect(net).toMatchObject({ name: 'legacy', cniVersion: '0.3.1' });
    const list = confListFromConf(net);
    expect(list.bytes.toString()).toBe(
      '{"cniVersion":"0.3.1","name":"legacy","plugins":[{"bridge":"br\\u003c0\\u003e","cniVersion":"0.3.1","name":"legacy","type":"bridge"}]}',
    );
    expect(list).toMatchObject({ name: 'legacy', cniVersion: '0.3.1', disableCheck: false });
    expect(list.plugins.map((p) => p.type)).toEqual(['bridge']);
  });

  it('treats a legacy file without cniVersion as 0.1.0', () => {
    expect(confListFromConf(networkConfigFromBytes(bytes({ type: 'x', name: 'old' }))).cniVersion).toBe('0.1.0');
  });
});

// fuzz counterexample (lib/runtime/conf.fuzz.test.ts): a .conf nested 3,000 levels overflowed the
// stack in confListFromConf (a RangeError, not a ConfError); a conflist did so later, when its
// plugin's stdin was serialised.
describe('deeply nested configurations', () => {
  const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
  it('are refused with a ConfError past MAX_JSON_DEPTH levels', () => {
    const conf = Buffer.from(`{"type":"x","name":"n","a":${deep(3000)}}`);
    expect(() => networkConfigFromBytes(conf)).toThrow(ConfError);
    expect(() => networkConfigFromBytes(conf)).toThrow(`error parsing configuration: JSON nested more than ${MAX_JSON_DEPTH - 2} levels deep`);
    const list = Buffer.from(`{"name":"n","plugins":[{"type":"x","a":${deep(100_000)}}]}`);
    expect(() => networkConfFromBytes(list)).toThrow(`error parsing configuration list: JSON nested more than ${MAX_JSON_DEPTH} levels deep`);
  });
  it('are read up to the limit, and up-convert', () => {
    // the object itself is one level, "a" the rest; its list adds two more
    const conf = Buffer.from(`{"type":"x","name":"n","a":${deep(MAX_JSON_DEPTH - 3)}}`);
    expect(confListFromConf(networkConfigFromBytes(conf)).plugins).toHaveLength(1);
  });
});

describe('loadNetworkConf', () => {
  let dir: string;
  const write = (name: string, value: unknown): void => {
    writeFileSync(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cnits-conf-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prefers .conflist files, in name order, over legacy files of the same name', async () => {
    write('20-b.conflist', { name: 'net', cniVersion: '1.0.0', plugins: [{ type: 'second' }] });
    write('10-a.conflist', { name: 'net', cniVersion: '1.0.0', plugins: [{ type: 'first' }] });
    write('00-legacy.conf', { name: 'net', type: 'legacy' });
    const list = await loadNetworkConf(dir, 'net');
    expect(list.plugins.map((p) => p.type)).toEqual(['first']);
    expect(list.file).toBe(join(dir, '10-a.conflist'));
  });

  it('falls back to .conf and .json files in name order, up-converted', async () => {
    write('10-other.conflist', { name: 'other', cniVersion: '1.0.0', plugins: [{ type: 'x' }] });
    write('20-b.json', { name: 'legacy', cniVersion: '0.4.0', type: 'from-json' });
    write('30-a.conf', { name: 'legacy', cniVersion: '0.4.0', type: 'from-conf' });
    write('05-ignored.txt', { name: 'legacy', type: 'txt' });
    const list = await loadNetworkConf(dir, 'legacy');
    expect(list.plugins.map((p) => p.type)).toEqual(['from-json']);
    expect(list.cniVersion).toBe('0.4.0');
  });

  it('appends <dir>/<name>/*.conf plugins in name order unless loadOnlyInlinedPlugins', async () => {
    write('10.conflist', { name: 'net', cniVersion: '1.1.0', plugins: [{ type: 'inline' }] });
    write('20.conflist', { name: 'only', cniVersion: '1.1.0', loadOnlyInlinedPlugins: true, plugins: [{ type: 'inline' }] });
    write('30.conflist', { name: 'empty', cniVersion: '1.1.0' });
    mkdirSync(join(dir, 'net'));
    mkdirSync(join(dir, 'only'));
    mkdirSync(join(dir, 'empty'));
    writeFileSync(join(dir, 'net', 'b.conf'), JSON.stringify({ type: 'dir-b' }));
    writeFileSync(join(dir, 'net', 'a.conf'), JSON.stringify({ type: 'dir-a' }));
    writeFileSync(join(dir, 'net', 'c.json'), JSON.stringify({ type: 'not-a-conf' }));
    writeFileSync(join(dir, 'only', 'a.conf'), JSON.stringify({ type: 'dir-a' }));
    writeFileSync(join(dir, 'empty', 'a.conf'), JSON.stringify({ type: 'only-from-dir' }));
    expect((await loadNetworkConf(dir, 'net')).plugins.map((p) => p.type)).toEqual(['inline', 'dir-a', 'dir-b']);
    expect((await loadNetworkConf(dir, 'only')).plugins.map((p) => p.type)).toEqual(['inline']);
    expect((await loadNetworkConf(dir, 'empty')).plugins.map((p) => p.type)).toEqual(['only-from-dir']);
  });

  it.each([
    ['an empty directory', () => {}, 'net', NoConfigsFoundError, (d: string) => `no net configurations found in ${d}`],
    [
      'lists that do not match and no legacy files',
      (w: (n: string, v: unknown) => void) => w('10.conflist', { name: 'other', plugins: [{ type: 'x' }] }),
      'net',
      NetworkNotFoundError,
      (d: string) => `no net configuration with name "net" in ${d}`,
    ],
    [
      'legacy files that do not match',
      (w: (n: string, v: unknown) => void) => w('10.conf', { name: 'other', type: 'x' }),
      'net',
      NetworkNotFoundError,
      (d: string) => `no net configuration with name "net" in ${d}`,
    ],
    [
      'a broken list before the match (libcni aborts)',
      (w: (n: string, v: unknown) => void) => {
        w('10.conflist', '{broken');
        w('20.conflist', { name: 'net', plugins: [{ type: 'x' }] });
      },
      'net',
      ConfError,
      (d: string) => new RegExp(`^${join(d, '10.conflist')}: error parsing configuration list: `),
    ],
    [
      'a list with no plugins anywhere',
      (w: (n: string, v: unknown) => void) => w('10.conflist', { name: 'net', cniVersion: '1.1.0' }),
      'net',
      ConfError,
      (d: string) => `${join(d, '10.conflist')}: no plugin configs found`,
    ],
  ])('fails for %s', async (_name, setup, network, errorClass, message) => {
    setup(write);
    const err = await loadNetworkConf(dir, network).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(errorClass);
    const m = message(dir);
    if (typeof m === 'string') expect((err as Error).message).toBe(m);
    else expect((err as Error).message).toMatch(m);
  });

  it('treats a missing directory as empty', async () => {
    await expect(loadNetworkConf(join(dir, 'nope'), 'net')).rejects.toBeInstanceOf(NoConfigsFoundError);
  });

  it('listNetworkConfs reports every file in lookup order, broken ones included', async () => {
    write('20.conflist', { name: 'b', cniVersion: '1.0.0', plugins: [{ type: 'x' }] });
    write('10.conflist', '{');
    write('05.conf', { name: 'legacy', type: 'y' });
    const found = await listNetworkConfs(dir);
    expect(found.map((f) => [f.file.slice(dir.length + 1), f.list?.name, f.error ? 'error' : 'ok'])).toEqual([
      ['10.conflist', undefined, 'error'],
      ['20.conflist', 'b', 'ok'],
      ['05.conf', 'legacy', 'ok'],
    ]);
  });
});

describe('networkConfFromBytes: nesting limit (issue 17)', () => {
  it('a conflist nested 10,000 levels deep is a ConfError naming the limit', () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const bytes = Buffer.from(`{"cniVersion":"1.0.0","name":"n","plugins":[{"type":"bridge","ipam":{"ranges":${deep}}}]}`);
    expect(() => networkConfFromBytes(bytes)).toThrow(ConfError);
    expect(() => networkConfFromBytes(bytes)).toThrow(/nested more than 128 levels/);
  });
});

describe('networkConfFromBytes: plugin type (issue 17)', () => {
  it.each(['../bridge', '/usr/bin/id', 'a b', 'bridge;id', '..'])('a plugin type %j is a ConfError naming it', (type) => {
    const bytes = Buffer.from(JSON.stringify({ cniVersion: '1.0.0', name: 'n', plugins: [{ type }] }));
    expect(() => networkConfFromBytes(bytes)).toThrow(ConfError);
    expect(() => networkConfFromBytes(bytes)).toThrow(`invalid plugin type ${JSON.stringify(type)}`);
  });
});
