import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backupPath, formatBackup, loadBackup, parseBackup, removeBackup, saveBackup } from './backup.ts';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'tuning-backup-'));
  dirs.push(d);
  return d;
}

describe('backup file', () => {
  it('is named and formatted as Go\'s (json.MarshalIndent with one space, Go\'s key order)', () => {
    expect(backupPath('/run/cni/tuning', 'ctr1', 'eth0')).toBe('/run/cni/tuning/ctr1_eth0.json');
    // the text the Go plugin wrote on this machine (other-plugins.md §2), byte for byte
    expect(formatBackup({ allmulti: false, mtu: 1400, promisc: false, mac: '3e:3e:c8:e0:90:df' })).toBe('{\n "mac": "3e:3e:c8:e0:90:df",\n "promisc": false,\n "mtu": 1400,\n "allmulti": false\n}');
    expect(formatBackup({ txQueueLen: 0 })).toBe('{\n "txQLen": 0\n}');
  });

  it('reads Go\'s file, its keys in any case, and skips values of the wrong type', () => {
    expect(parseBackup('{"MAC":"3E:3E:C8:E0:90:DF","promisc":true,"mtu":1400,"allmulti":"no","TxQLen":0}')).toEqual({ mac: '3e:3e:c8:e0:90:df', promisc: true, mtu: 1400, txQueueLen: 0 });
    expect(() => parseBackup('[]')).toThrow(SyntaxError);
  });

  it('saves (0600, directory 0700), loads and removes; a symlink is not followed', () => {
    const d = join(tmp(), 'tuning');
    const f = backupPath(d, 'c', 'eth0');
    saveBackup(d, f, { mtu: 1500 });
    expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(statSync(d).mode & 0o777).toBe(0o700);
    expect(loadBackup(f)).toEqual({ kind: 'saved', settings: { mtu: 1500 } });
    removeBackup(f);
    expect(loadBackup(f)).toEqual({ kind: 'missing' });
    const target = join(tmp(), 'elsewhere.json');
    writeFileSync(target, '{"mtu":1500}');
    symlinkSync(target, f);
    expect(loadBackup(f).kind).toBe('unusable');
    writeFileSync(join(d, 'bad_eth0.json'), 'not json');
    expect(loadBackup(join(d, 'bad_eth0.json')).kind).toBe('unusable');
    mkdirSync(join(d, 'dir_eth0.json'));
    expect(loadBackup(join(d, 'dir_eth0.json')).kind).toBe('unusable');
  });
});
