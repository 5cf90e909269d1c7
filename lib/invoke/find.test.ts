import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PluginNotFoundError } from './errors.ts';
import { findInPath, splitCniPath } from './find.ts';

let root: string;
let a: string;
let b: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'cnits-find-'));
  a = join(root, 'a');
  b = join(root, 'b');
  mkdirSync(a);
  mkdirSync(b);
  writeFileSync(join(a, 'only-a'), '');
  writeFileSync(join(a, 'both'), '');
  writeFileSync(join(b, 'both'), '');
  mkdirSync(join(a, 'dir-in-a')); // a directory is never a plugin
  writeFileSync(join(b, 'dir-in-a'), '');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('findInPath', () => {
  it.each([
    ['', () => [a], 'no plugin name provided'],
    ['x/y', () => [a], 'invalid plugin name "x/y": it must not contain a path separator'],
    ['../a/only-a', () => [b], 'invalid plugin name "../a/only-a": it must not contain a path separator'],
    ['only-a', () => [], 'no paths provided'],
  ])('rejects type %j with %j', (type, paths, message) => {
    expect(() => findInPath(type, paths())).toThrow(new PluginNotFoundError(type, paths(), message));
  });

  it('returns the first directory in order that holds the plugin', () => {
    expect(findInPath('both', [a, b])).toBe(join(a, 'both'));
    expect(findInPath('both', [b, a])).toBe(join(b, 'both'));
    expect(findInPath('only-a', [join(root, 'missing'), b, a])).toBe(join(a, 'only-a'));
  });

  it('accepts regular files only, skipping a directory of the same name', () => {
    expect(findInPath('dir-in-a', [a, b])).toBe(join(b, 'dir-in-a'));
  });

  it('names the type and the searched directories when nothing matches', () => {
    const err = (() => {
      try {
        findInPath('nope', [a, b]);
      } catch (e) {
        return e as PluginNotFoundError;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(PluginNotFoundError);
    expect(err?.message).toBe(`failed to find plugin "nope" in path [${a} ${b}]`);
    expect(err?.pluginType).toBe('nope');
  });
});

describe('splitCniPath', () => {
  it.each([
    [undefined, []],
    ['', []],
    ['/opt/cni/bin', ['/opt/cni/bin']],
    ['/a::/b:', ['/a', '/b']],
  ])('splits %j into %j', (raw, expected) => {
    expect(splitCniPath(raw)).toEqual(expected);
  });
});

describe('findInPath: names that cannot be a plugin (issue 17)', () => {
  it.each(['..', '.', 'a b', 'only-a\0', 'a;id', '$(id)'])('refuses %j without looking', (type) => {
    expect(() => findInPath(type, [a])).toThrow(PluginNotFoundError);
    expect(() => findInPath(type, [a])).toThrow(`invalid plugin name ${JSON.stringify(type)}: it must be a plugin name`);
  });
});
