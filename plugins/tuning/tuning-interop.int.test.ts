import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, removeAllNamespaces } from '../../lib/testing/index.ts';
import { GO_TUNING, type TuningEnv, createTuningEnv } from './test-env.ts';

// Debian's Go tuning (1.1.1: sysctl, mac, mtu, promisc, allmulti and dataDir; no txQLen, no
// allowlist; spec up to 1.0.0) and ours on one node, one dataDir: the backup file of either's
// ADD is restored by the other's DEL, and either's CHECK accepts the other's ADD.

const SETTINGS = { sysctl: { 'net.ipv4.conf.IFNAME.arp_filter': '1' }, mac: '0a:58:0a:4f:01:01', mtu: 1400, promisc: true, allmulti: true };

describe.skipIf(!isRoot() || !existsSync(GO_TUNING))('tuning: interop with the Go plugin', () => {
  let env: TuningEnv;
  beforeAll(() => {
    env = createTuningEnv('tunio');
  });
  afterAll(() => {
    env?.dispose();
    removeAllNamespaces();
  });

  for (const [adder, deleter] of [['ours', 'Go'], ['Go', 'ours']] as const) {
    it(`ADD by ${adder}, CHECK and DEL by ${deleter}: the original attributes come back and the backup goes`, async () => {
      const binary = (who: string) => (who === 'Go' ? GO_TUNING : undefined);
      const p = await env.attach(`${adder}-${deleter}`.toLowerCase(), '1.0.0');
      const before = p.link();
      const config = env.conf(SETTINGS, p, '1.0.0');
      const add = await env.run('ADD', config, p, binary(adder) ? { binary: GO_TUNING } : {});
      expect(add.code, add.stdout + add.stderr).toBe(0);
      expect(add.json.interfaces.filter((i: { name: string }) => i.name === 'eth0').map((i: { mac: string }) => i.mac)).toEqual([SETTINGS.mac]);
      const after = p.link();
      expect([after.address, after.mtu, after.flags.includes('PROMISC'), after.flags.includes('ALLMULTI')]).toEqual([SETTINGS.mac, 1400, true, true]);
      expect(p.sysctl('net.ipv4.conf.eth0.arp_filter')).toBe('1');
      const file = join(env.dataDir, `${p.containerId}_eth0.json`);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ mac: before.address, promisc: false, mtu: before.mtu, allmulti: false });

      // Go 1.1.1's CHECK does not replace IFNAME (fixed upstream in 1.2.0, #779): it is given the key spelled out
      const checkConfig = deleter === 'Go' ? { ...config, sysctl: { 'net.ipv4.conf.eth0.arp_filter': '1' } } : config;
      const check = await env.run('CHECK', { ...checkConfig, prevResult: add.json }, p, binary(deleter) ? { binary: GO_TUNING } : {});
      expect(check.code, check.stdout).toBe(0);
      if (deleter === 'Go') {
        const known = await env.run('CHECK', { ...config, prevResult: add.json }, p, { binary: GO_TUNING });
        expect(known.json?.msg).toBe('open /proc/sys/net/ipv4/conf/IFNAME/arp_filter: no such file or directory');
      }
      const del = await env.run('DEL', env.conf(SETTINGS, undefined, '1.0.0'), p, binary(deleter) ? { binary: GO_TUNING } : {});
      expect(del.code, del.stdout).toBe(0);
      const restored = p.link();
      expect([restored.address, restored.mtu, restored.flags.includes('PROMISC'), restored.flags.includes('ALLMULTI')]).toEqual([before.address, before.mtu, false, false]);
      expect(env.backups()).not.toContain(`${p.containerId}_eth0.json`);
    });
  }

  it('writes the backup file byte for byte as Go does', async () => {
    const texts: string[] = [];
    for (const who of ['Go', 'ours']) {
      const p = await env.attach(`bytes-${who}`.toLowerCase(), '1.0.0');
      p.pod.exec(['ip', 'link', 'set', 'eth0', 'address', '0a:58:0a:4f:02:02']); // the same original in both pods
      const add = await env.run('ADD', env.conf(SETTINGS, p, '1.0.0'), p, who === 'Go' ? { binary: GO_TUNING } : {});
      expect(add.code, add.stdout).toBe(0);
      texts.push(readFileSync(join(env.dataDir, `${p.containerId}_eth0.json`), 'utf8'));
    }
    expect(texts[1]).toBe(texts[0]);
  });

  it('txQLen (ours only, Go 1.1.1 ignores the key): Go\'s DEL restores the rest and removes the file, leaving the queue length', async () => {
    const p = await env.attach('txq', '1.0.0');
    const before = p.link();
    const add = await env.run('ADD', env.conf({ mtu: 1400, txQLen: 42 }, p, '1.0.0'), p);
    expect(add.code, add.stdout).toBe(0);
    expect(JSON.parse(readFileSync(join(env.dataDir, `${p.containerId}_eth0.json`), 'utf8'))).toEqual({ mtu: before.mtu, txQLen: before.txqlen });
    const del = await env.run('DEL', env.conf({}, undefined, '1.0.0'), p, { binary: GO_TUNING });
    expect(del.code, del.stdout).toBe(0);
    expect(p.link().mtu).toBe(before.mtu);
    expect(p.link().txqlen).toBe(42);
    expect(env.backups()).not.toContain(`${p.containerId}_eth0.json`);
  });
});
