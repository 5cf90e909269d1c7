import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseIp } from '../../lib/addr/index.ts';
import { forgetRecordAndLeftovers, loadRecord, recordsForGc, saveRecord } from './state.ts';

const owner = { network: 'net', containerId: 'c1', ifname: 'eth0' };
const record = { backend: 'iptables' as const, ips: [parseIp('10.1.0.5'), parseIp('fd00::5')] };

let dir: string;
let lines: string[];
const report = (l: string) => lines.push(l);
const path = () => join(dir, 'net', 'c1:eth0');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cnits-fwstate-'));
  lines = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('firewall records', () => {
  it('round-trips the backend and addresses, in a 0700 directory and a 0600 file', () => {
    saveRecord(dir, owner, record, report);
    expect(JSON.parse(readFileSync(path(), 'utf8'))).toEqual({ backend: 'iptables', network: 'net', containerId: 'c1', ifname: 'eth0', ips: ['10.1.0.5', 'fd00::5'] });
    expect(statSync(join(dir, 'net')).mode & 0o777).toBe(0o700);
    expect(statSync(path()).mode & 0o777).toBe(0o600);
    expect(loadRecord(dir, owner, report)).toEqual(record);
    expect(lines).toEqual([]);
  });

  it('nothing recorded: undefined, and nothing reported', () => {
    expect(loadRecord(dir, owner, report)).toBeUndefined();
    expect(lines).toEqual([]);
  });

  it.each([
    ['garbage', 'is not JSON'],
    ['', 'it is empty'],
    ['[1]', 'not a firewall record'],
    ['{"backend":"ebtables","network":"net","containerId":"c1","ifname":"eth0","ips":[]}', 'unknown backend "ebtables"'],
    ['{"backend":"iptables","network":"net","containerId":"c2","ifname":"eth0","ips":[]}', 'belongs to network "net", container "c2"'],
    ['{"backend":"iptables","network":"net","containerId":"c1","ifname":"eth0","ips":["10.1.0.5/24"]}', '"ips" is not a list of addresses'],
  ])('a damaged record %j is reported and not used', (text, why) => {
    mkdirSync(join(dir, 'net'));
    writeFileSync(path(), text);
    expect(loadRecord(dir, owner, report)).toBeUndefined();
    expect(lines).toEqual([expect.stringContaining(why)]);
    expect(lines[0]).toContain('removing only the rules that name their owner');
  });

  it('a planted symbolic link is never read, and saving replaces the link itself', () => {
    mkdirSync(join(dir, 'net'));
    writeFileSync(join(dir, 'target'), JSON.stringify({ backend: 'iptables', ...owner, ips: ['192.0.2.1'] }));
    symlinkSync(join(dir, 'target'), path());
    expect(loadRecord(dir, owner, report)).toBeUndefined();
    expect(lines).toEqual([expect.stringContaining('is a symlink where a file was expected')]);
    saveRecord(dir, owner, record, report);
    expect(lstatSync(path()).isFile()).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'target'), 'utf8')).ips).toEqual(['192.0.2.1']);
  });

  it('a directory where the record belongs: code 5 naming it', () => {
    mkdirSync(path(), { recursive: true });
    expect(() => saveRecord(dir, owner, record, report)).toThrow(expect.objectContaining({ code: 5, msg: expect.stringContaining('cannot record the firewall rules') }));
  });

  it('DEL forgets the record and an ADD\'s leftover temp file, not another attachment\'s', () => {
    saveRecord(dir, owner, record, report);
    writeFileSync(join(dir, 'net', 'c1:eth0.tmp-1-ab'), '{');
    writeFileSync(join(dir, 'net', 'c1:eth1.tmp-1-ab'), '{');
    forgetRecordAndLeftovers(dir, owner, report);
    expect(readdirSync(join(dir, 'net'))).toEqual(['c1:eth1.tmp-1-ab']);
  });

  it('GC: stale records with what they say (damaged ones too), and the addresses valid attachments recorded', () => {
    saveRecord(dir, owner, record, report);
    saveRecord(dir, { ...owner, containerId: 'c2' }, { backend: 'iptables', ips: [parseIp('10.1.0.6')] }, report);
    writeFileSync(join(dir, 'net', 'c3:eth0'), 'garbage');
    writeFileSync(join(dir, 'net', 'c4:eth0.tmp-9-9'), '{');
    const gc = recordsForGc(dir, 'net', [{ containerId: 'c2', ifname: 'eth0' }, { containerId: 'go-made', ifname: 'eth0' }], report);
    expect([...gc.addressesInUse]).toEqual(['10.1.0.6']);
    expect(gc.unrecordedValid).toEqual([{ containerId: 'go-made', ifname: 'eth0' }]);
    const byId = Object.fromEntries(gc.stale.map((s) => [s.owner.containerId, s.record]));
    expect(byId).toEqual({ c1: record, c3: undefined, c4: undefined });
    expect(lines).toEqual([expect.stringContaining('c3:eth0 is damaged')]);
  });

  it('GC does not follow a linked network directory', () => {
    mkdirSync(join(dir, 'elsewhere'));
    writeFileSync(join(dir, 'elsewhere', 'c1:eth0'), 'x');
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'net'));
    expect(recordsForGc(dir, 'net', [], report).stale).toEqual([]);
    expect(lines).toEqual([expect.stringMatching(/net is a symlink where a directory was expected; .*not collecting records there$/)]);
  });
});
