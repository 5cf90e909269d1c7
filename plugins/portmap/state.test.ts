import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCidr } from '../../lib/addr/index.ts';
import type { PortmapSpec } from '../../lib/firewall/portmap/index.ts';
import { loadState, removeState, removeStateAndLeftovers, removeStatesExcept, saveState } from './state.ts';

const owner = { network: 'net', containerId: 'c1', ifname: 'eth0' };
const spec: PortmapSpec = {
  ...owner,
  mappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
  containerIPv4: parseCidr('10.1.0.5/16'),
  containerIPv6: parseCidr('fd00::5/64'),
  snat: true,
  masqAll: false,
  markMasqBit: 13,
};
// the text saveState wrote before the spec carried parsed addresses
const FILE_TEXT =
  '{"backend":"nftables","spec":{"network":"net","containerId":"c1","ifname":"eth0","mappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}],' +
  '"containerIPv4":{"ip":"10.1.0.5","subnet":"10.1.0.0/16"},"containerIPv6":{"ip":"fd00::5","subnet":"fd00::/64"},"snat":true,"masqAll":false,"markMasqBit":13}}';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'portmap-state-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('portmap state', () => {
  it('writes the container addresses as text, in the format of earlier versions', () => {
    saveState(dir, spec, 'nftables');
    expect(readFileSync(join(dir, 'net', 'c1:eth0'), 'utf8')).toBe(FILE_TEXT);
  });
  it('loads a file in that format back into the parsed spec', () => {
    mkdirSync(join(dir, 'net'));
    writeFileSync(join(dir, 'net', 'c1:eth0'), FILE_TEXT);
    expect(loadState(dir, owner)).toEqual({ kind: 'recorded', backend: 'nftables', spec });
  });
});

describe('portmap state with planted entries and damage', () => {
  const path = () => join(dir, 'net', 'c1:eth0');
  let lines: string[];
  const report = (l: string) => lines.push(l);
  beforeEach(() => {
    lines = [];
    mkdirSync(join(dir, 'net'), { mode: 0o700 });
  });

  it('creates the network directory 0700 and the record 0600', () => {
    rmSync(join(dir, 'net'), { recursive: true });
    saveState(dir, spec, 'nftables', report);
    expect(statSync(join(dir, 'net')).mode & 0o777).toBe(0o700);
    expect(statSync(path()).mode & 0o777).toBe(0o600);
    expect(lines).toEqual([]);
  });

  it.each([
    ['symlink', () => symlinkSync(join(dir, 'target'), path())],
    ['fifo', () => execFileSync('mkfifo', [path()])],
    ['directory', () => mkdirSync(path())],
  ])('loads a planted %s as damaged, naming it, without following or blocking', (kind, plant) => {
    writeFileSync(join(dir, 'target'), FILE_TEXT);
    plant();
    expect(loadState(dir, owner, report)).toEqual({ kind: 'damaged' });
    expect(lines).toEqual([expect.stringContaining(`${path()} is a ${kind} where a file was expected`)]);
  });

  it.each([
    ['truncated', FILE_TEXT.slice(0, 60), /is damaged: it is not JSON/],
    ['empty', '', /is damaged: it is empty/],
    ['garbage', '\u0000garbage\u00ff', /is damaged: it is not JSON/],
    ['of the wrong shape', '[1,2]', /is damaged: it is not a portmap record/],
    ['of an unknown backend', FILE_TEXT.replace('"nftables"', '"pf"'), /unknown backend "pf"/],
    ['with a bad port', FILE_TEXT.replace('"hostPort":8080', '"hostPort":0'), /"mappings" is not a list of port mappings/],
    ['with a bad address', FILE_TEXT.replace('"10.1.0.5"', '"10.1.0.500"'), /a container address is not an address/],
    ['of another owner inside', FILE_TEXT.replace('"containerId":"c1"', '"containerId":"c9"'), /belongs to network "net", container "c9", interface "eth0"/],
  ])('loads a %s record as damaged, naming the damage', (_what, text, why) => {
    writeFileSync(path(), text);
    expect(loadState(dir, owner, report)).toEqual({ kind: 'damaged' });
    expect(lines).toEqual([expect.stringMatching(why)]);
    expect(lines[0]).toContain("finding this attachment's rules by owner");
  });

  it('reports nothing for a missing record', () => {
    expect(loadState(dir, owner, report)).toEqual({ kind: 'none' });
    expect(lines).toEqual([]);
  });

  it('replaces a garbage record or a planted link on save, never writing through the link', () => {
    writeFileSync(path(), 'garbage');
    saveState(dir, spec, 'nftables', report);
    expect(loadState(dir, owner, report)).toEqual({ kind: 'recorded', backend: 'nftables', spec });
    rmSync(path());
    writeFileSync(join(dir, 'target'), 'precious');
    symlinkSync(join(dir, 'target'), path());
    saveState(dir, spec, 'nftables', report);
    expect(readFileSync(join(dir, 'target'), 'utf8')).toBe('precious');
    expect(lstatSync(path()).isFile()).toBe(true);
    expect(lines).toEqual([expect.stringContaining('is a symlink where a state file was expected; replacing the symlink itself')]);
  });

  it('refuses to save over a planted directory with code 5, and to save into a linked network directory', () => {
    mkdirSync(path());
    expect(() => saveState(dir, spec, 'nftables', report)).toThrow(expect.objectContaining({ code: 5 }));
    rmSync(join(dir, 'net'), { recursive: true });
    mkdirSync(join(dir, 'elsewhere'));
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'net'));
    expect(() => saveState(dir, spec, 'nftables', report)).toThrow(/is a symlink where a directory was expected/);
    expect(readdirSync(join(dir, 'elsewhere'))).toEqual([]);
  });

  it('removes a planted link itself and leaves a planted directory, reporting it', () => {
    writeFileSync(join(dir, 'target'), 'precious');
    symlinkSync(join(dir, 'target'), path());
    removeState(dir, owner, report);
    expect(existsSync(path())).toBe(false);
    expect(readFileSync(join(dir, 'target'), 'utf8')).toBe('precious');
    mkdirSync(path());
    removeState(dir, owner, report);
    expect(lines).toEqual([expect.stringMatching(/is a directory where a file was expected; .*; leaving it$/)]);
  });

  it('GC removes damaged records of invalid attachments, and does not follow a linked network directory', () => {
    writeFileSync(path(), 'garbage');
    writeFileSync(join(dir, 'net', 'c2:eth0'), '');
    removeStatesExcept(dir, 'net', [{ containerId: 'c2', ifname: 'eth0' }], report);
    expect(readdirSync(join(dir, 'net'))).toEqual(['c2:eth0']);
    mkdirSync(join(dir, 'elsewhere'));
    writeFileSync(join(dir, 'elsewhere', 'c3:eth0'), FILE_TEXT);
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'other'));
    removeStatesExcept(dir, 'other', [], report);
    expect(readdirSync(join(dir, 'elsewhere'))).toEqual(['c3:eth0']);
    expect(lines).toEqual([expect.stringMatching(/other is a symlink where a directory was expected; .*; not collecting records there$/)]);
  });
  it('DEL removes the record and the temporary file of an ADD killed before its rename, not another attachment\'s', () => {
    saveState(dir, spec, 'nftables');
    writeFileSync(join(dir, 'net', 'c1:eth0.tmp-12345'), '{"backend"');
    writeFileSync(join(dir, 'net', 'c1:eth1.tmp-12345'), '{"backend"');
    removeStateAndLeftovers(dir, owner);
    expect(readdirSync(join(dir, 'net'))).toEqual(['c1:eth1.tmp-12345']);
    removeStateAndLeftovers(dir, { ...owner, network: 'never-added' });
  });
});
