import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseIp } from '../../lib/addr/index.ts';
import type { ForwardBackend, ForwardSpec } from '../../lib/firewall/forward/index.ts';
import { collectRules, installRules, removeRules } from './apply.ts';
import { loadRecord } from './state.ts';

const SPEC: ForwardSpec = { network: 'n', containerId: 'c', ifname: 'eth0', ips: [parseIp('10.0.0.5'), parseIp('fd00::5')], adminChain: 'CNI-ADMIN' };

function fakeBackend(name: 'iptables' | 'nftables', fail: { setup?: boolean; teardown?: boolean } = {}): ForwardBackend & { calls: string[] } {
  const calls: string[] = [];
  return {
    name,
    feature: 'firewall',
    calls,
    async setup() {
      calls.push('setup');
      if (fail.setup) throw new Error('ip6tables-restore failed');
    },
    async teardown(s) {
      calls.push(`teardown ${s.containerId}`);
      if (fail.teardown) throw new Error(`${name} teardown broke`);
    },
    async check() {},
    async gc() {
      calls.push('gc');
    },
  };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cnits-fwapply-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('installRules', () => {
  it('a failed setup (one family applied, the other not) removes the address rules again, records nothing and reports the setup error', async () => {
    const b = fakeBackend('iptables', { setup: true });
    await expect(installRules(b, SPEC, dir)).rejects.toThrow('ip6tables-restore failed');
    expect(b.calls).toEqual(['setup', 'teardown c']);
    expect(existsSync(join(dir, 'n', 'c:eth0'))).toBe(false);
  });

  it('a successful setup records the backend and addresses', async () => {
    const b = fakeBackend('nftables');
    await installRules(b, SPEC, dir);
    expect(b.calls).toEqual(['setup']);
    expect(loadRecord(dir, SPEC)).toEqual({ backend: 'nftables', ips: SPEC.ips });
  });

  it('a record that cannot be written (a directory in its place) removes the rules again: code 5', async () => {
    const b = fakeBackend('iptables');
    mkdirSync(join(dir, 'n', 'c:eth0'), { recursive: true });
    await expect(installRules(b, SPEC, dir)).rejects.toMatchObject({ code: 5 });
    expect(b.calls).toEqual(['setup', 'teardown c']);
  });
});

describe('removeRules', () => {
  it('asks every backend even when one fails, names the failing one, and keeps the record for a retry', async () => {
    await installRules(fakeBackend('iptables'), SPEC, dir);
    const [ipt, nft] = [fakeBackend('iptables', { teardown: true }), fakeBackend('nftables')];
    await expect(removeRules([ipt, nft], SPEC, dir)).rejects.toThrow(/iptables teardown/);
    expect(nft.calls).toEqual(['teardown c']);
    expect(loadRecord(dir, SPEC)).toBeDefined();
  });

  it('removes the record and an interrupted ADD\'s temporary file after the rules', async () => {
    await installRules(fakeBackend('iptables'), SPEC, dir);
    writeFileSync(join(dir, 'n', 'c:eth0.tmp-1-2'), '{');
    await removeRules([fakeBackend('iptables')], SPEC, dir);
    expect(readdirSync(join(dir, 'n'))).toEqual([]);
  });
});

describe('collectRules', () => {
  const stale = { network: 'n', containerId: 'old', ifname: 'eth0' };
  const oldSpec: ForwardSpec = { ...stale, ips: [parseIp('10.0.0.9')], adminChain: 'CNI-ADMIN' };

  it('runs every backend\'s GC, tears down the planned iptables rules, then forgets the stale records', async () => {
    await installRules(fakeBackend('iptables'), oldSpec, dir);
    const [ipt, nft] = [fakeBackend('iptables'), fakeBackend('nftables')];
    await collectRules([ipt, nft], 'n', [], [oldSpec], [stale], dir);
    expect(ipt.calls).toEqual(['gc', 'teardown old']);
    expect(nft.calls).toEqual(['gc']);
    expect(readdirSync(join(dir, 'n'))).toEqual([]);
  });

  it('keeps the records when a teardown fails (the next GC tries again)', async () => {
    await installRules(fakeBackend('iptables'), oldSpec, dir);
    await expect(collectRules([fakeBackend('iptables', { teardown: true })], 'n', [], [oldSpec], [stale], dir)).rejects.toThrow(/iptables teardown of old:eth0/);
    expect(readdirSync(join(dir, 'n'))).toEqual(['old:eth0']);
  });
});
