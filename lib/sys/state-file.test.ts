import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PlantedEntryError, createStateFile, ensurePrivateDir, entryKind, readStateFile, removeStateFile, replaceStateFile } from './state-file.ts';

let dir: string;
let victim: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'state-file-'));
  victim = join(dir, 'victim');
  writeFileSync(victim, 'precious');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ensurePrivateDir', () => {
  it('creates missing directories 0700', () => {
    const d = join(dir, 'a', 'b');
    ensurePrivateDir(d);
    expect(statSync(d).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'a')).mode & 0o777).toBe(0o700);
  });
  it('refuses a symbolic link to a directory', () => {
    const real = join(dir, 'real');
    mkdirSync(real);
    symlinkSync(real, join(dir, 'link'));
    expect(() => ensurePrivateDir(join(dir, 'link'))).toThrow(PlantedEntryError);
  });
});

describe('readStateFile', () => {
  it('reads a regular file and reports a missing one', () => {
    expect(readStateFile(victim)).toEqual({ kind: 'text', text: 'precious' });
    expect(readStateFile(join(dir, 'none'))).toEqual({ kind: 'missing' });
  });
  it('does not follow a symbolic link', () => {
    symlinkSync(victim, join(dir, 'link'));
    const r = readStateFile(join(dir, 'link'));
    expect(r.kind).toBe('planted');
    if (r.kind === 'planted') expect(r.error.message).toMatch(/symlink where a file was expected/);
  });
  it('does not block on a fifo, nor read a directory', () => {
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    expect(readStateFile(join(dir, 'fifo'))).toMatchObject({ kind: 'planted', error: { kind: 'fifo' } });
    mkdirSync(join(dir, 'sub'));
    expect(readStateFile(join(dir, 'sub'))).toMatchObject({ kind: 'planted', error: { kind: 'directory' } });
  });
});

describe('writing', () => {
  it('createStateFile never writes through a symbolic link or over an existing file', () => {
    symlinkSync(victim, join(dir, 'link'));
    expect(createStateFile(join(dir, 'link'), 'evil')).toBe(false);
    expect(createStateFile(victim, 'evil')).toBe(false);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(createStateFile(join(dir, 'new'), 'x')).toBe(true);
    expect(statSync(join(dir, 'new')).mode & 0o777).toBe(0o600);
  });
  it('replaceStateFile replaces a symbolic link itself, never its target', () => {
    symlinkSync(victim, join(dir, 'link'));
    replaceStateFile(join(dir, 'link'), 'mine');
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(entryKind(join(dir, 'link'))).toBe('file');
    expect(readFileSync(join(dir, 'link'), 'utf8')).toBe('mine');
  });
  it('replaceStateFile reports a planted directory and leaves no temporary file', () => {
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'x'), '');
    expect(() => replaceStateFile(join(dir, 'sub'), 'mine')).toThrow(PlantedEntryError);
    expect(execFileSync('ls', ['-A', dir], { encoding: 'utf8' }).trim().split('\n').sort()).toEqual(['sub', 'victim']);
  });
  it('removeStateFile removes a link, not its target, and reports a directory', () => {
    symlinkSync(victim, join(dir, 'link'));
    removeStateFile(join(dir, 'link'));
    expect(existsSync(victim)).toBe(true);
    expect(() => lstatSync(join(dir, 'link'))).toThrow();
    removeStateFile(join(dir, 'gone'));
    mkdirSync(join(dir, 'sub'));
    expect(() => removeStateFile(join(dir, 'sub'))).toThrow(PlantedEntryError);
  });
});
