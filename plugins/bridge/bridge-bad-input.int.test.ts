import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST_BIN, ipJson, isRoot, removeAllNamespaces, runPluginBinary } from '../../lib/testing/index.ts';
import { type BridgeEnv, attach, createBridgeEnv } from './test-env.ts';

// Hostile input to the built executables (issue 17): every case gets the spec's code, a message
// naming what is wrong, a non-zero exit, and leaves the node as it was. Everything runs in a
// throwaway node namespace; the IPAM is our host-local (dist/bin) with a private dataDir.

const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

describe.skipIf(!isRoot())('bad input to the executables', () => {
  let env: BridgeEnv;
  let dataDir: string;
  beforeAll(() => {
    env = createBridgeEnv('brbad');
    dataDir = mkdtempSync(join(tmpdir(), 'cnits-bad-data-'));
  });
  afterAll(() => {
    removeAllNamespaces();
    env?.dispose();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** A bridge config on our host-local, in this file's dataDir. */
  function conf(name: string, extra: Record<string, unknown> = {}, ipam: Record<string, unknown> = {}): Record<string, unknown> {
    return { cniVersion: '1.0.0', name, type: 'bridge', bridge: `br-${name}`, ipam: { type: 'host-local', subnet: '10.78.0.0/24', dataDir, ...ipam }, ...extra };
  }
  const ourBridge = (call: Parameters<BridgeEnv['run']>[0]) => runPluginBinary(join(DIST_BIN, 'bridge'), { ...call, node: env.node, path: DIST_BIN });
  const links = () => ipJson<{ ifname: string }[]>(env.node, ['link', 'show']).map((l) => l.ifname).sort();
  const reservations = (name: string) => (existsSync(join(dataDir, name)) ? env.node.exec(['ls', '-A', join(dataDir, name)]).split('\n').filter((f) => f && f !== 'lock' && !f.startsWith('.') && !f.startsWith('last_reserved_ip')) : []);

  describe('CNI_NETNS that is the node namespace itself', () => {
    it('ADD with CNI_NETNS = the node namespace: code 4 saying so, no link, no reservation', async () => {
      const before = links();
      const r = await ourBridge({ command: 'ADD', config: conf('own'), containerId: 'own1', netns: env.node.path, ifname: 'eth0' });
      expect(r.code, r.stdout).toBe(1);
      expect(r.json).toMatchObject({ code: 4, msg: `CNI_NETNS "${env.node.path}" is the plugin's own network namespace, not the pod's` });
      expect(links()).toEqual(before);
      expect(reservations('own')).toEqual([]);
    });

    it('CHECK with it: code 4', async () => {
      const prevResult = { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: env.node.path }], ips: [{ address: '10.78.0.2/24', interface: 0 }] };
      const r = await ourBridge({ command: 'CHECK', config: { ...conf('own'), prevResult }, containerId: 'own1', netns: env.node.path, ifname: 'eth0' });
      expect(r.json).toMatchObject({ code: 4 });
    });

    it('DEL with it leaves the node\'s own interface of that name alone and says why', async () => {
      env.node.exec(['ip', 'link', 'add', 'eth7', 'type', 'veth', 'peer', 'name', 'eth7p']);
      const r = await ourBridge({ command: 'DEL', config: conf('own'), containerId: 'own1', netns: env.node.path, ifname: 'eth7' });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stderr).toContain('is the plugin\'s own network namespace');
      expect(links()).toContain('eth7');
    });
  });

  describe('ipam.type that is not a plugin name', () => {
    it.each(['../host-local', '/bin/sh', 'host-local;touch /tmp/cnits-pwned', 'host local', '..'])('%j: code 7 before anything runs', async (type) => {
      const pod = env.pod('ipt');
      const before = links();
      const r = await ourBridge({ command: 'ADD', config: conf('ipt', {}, { type }), ...attach(pod, 'ipt1') });
      expect(r.code, r.stdout).toBe(1);
      expect(r.json).toMatchObject({ code: 7, msg: `invalid ipam.type ${JSON.stringify(type)}` });
      expect(links()).toEqual(before);
      expect(ipJson<{ ifname: string }[]>(pod, ['link', 'show']).map((l) => l.ifname)).toEqual(['lo']);
      expect(existsSync('/tmp/cnits-pwned')).toBe(false);
    });
  });

  describe('JSON nested 10,000 levels deep', () => {
    it.each([
      ['bridge', 'ipam.ranges', (c: string) => c.replace('"subnet":"10.78.0.0/24"', `"ranges":${deep(10_000)}`)],
      ['bridge', 'a plugin-specific key', (c: string) => c.replace('"type":"bridge"', `"type":"bridge","x":${deep(10_000)}`)],
      ['host-local', 'ipam', (c: string) => c.replace(/"ipam":\{[^}]*\}/, `"ipam":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`)],
      ['portmap', 'runtimeConfig.portMappings', (c: string) => c.replace('"type":"bridge"', `"type":"portmap","runtimeConfig":{"portMappings":${deep(10_000)}}`)],
      ['portmap', 'prevResult', (c: string) => c.replace('"type":"bridge"', `"type":"portmap","prevResult":{"cniVersion":"1.0.0","ips":${deep(10_000)}}`)],
    ])('%s, inside %s: code 6 naming the limit', async (plugin, _where, mangle) => {
      const pod = env.pod('deep');
      const before = links();
      const stdin = mangle(JSON.stringify(conf('deep')));
      const r = await runPluginBinary(join(DIST_BIN, plugin), { command: 'ADD', config: undefined, stdin, ...attach(pod, 'deep1'), node: env.node, path: DIST_BIN });
      expect(r.code, r.stdout).toBe(1);
      expect(r.json).toMatchObject({ code: 6, msg: 'error parsing network config from stdin' });
      expect(r.json.details).toMatch(/nested more than 128 levels/);
      expect(links()).toEqual(before);
      expect(reservations('deep')).toEqual([]);
    });
  });

  describe('bridge CHECK: prevResult is checked before the kernel is compared with it', () => {
    it.each([
      ['a MAC that is not one', (p: any) => void (p.interfaces[0].mac = 'zz:zz:zz:zz:zz:zz'), 7, 'prevResult.interfaces[0].mac'],
      ['an address without a prefix', (p: any) => void (p.ips[0].address = '10.78.0.2'), 6, 'prevResult.ips[0].address'],
      ['an interface index out of range', (p: any) => void (p.ips[0].interface = 9), 7, 'prevResult.ips[0].interface'],
      ['a 0.4.0 result under a 1.0.0 config', (p: any) => void (p.cniVersion = '0.4.0'), 7, 'prevResult.cniVersion'],
    ])('%s: code 6 or 7 naming the key', async (_what, spoil, code, key) => {
      const pod = env.pod('chk');
      const cid = `chk-${code}-${key.length}`;
      const config = conf('chk', { macspoofchk: false });
      const add = await ourBridge({ command: 'ADD', config, ...attach(pod, cid) });
      expect(add.code, add.stdout).toBe(0);
      // the real result, changed in one place; the bridge's own MAC also differs, so the old code reported that first
      const prevResult = JSON.parse(JSON.stringify(add.json));
      prevResult.interfaces[0].mac = prevResult.interfaces[0].mac.replace(/^../, (b: string) => (b === '02' ? '06' : '02'));
      spoil(prevResult);
      const r = await ourBridge({ command: 'CHECK', config: { ...config, prevResult }, ...attach(pod, cid) });
      expect(r.code, r.stdout).toBe(1);
      expect(r.json.code).toBe(code);
      expect(r.json.msg).toContain(key);
      const del = await ourBridge({ command: 'DEL', config, ...attach(pod, cid) });
      expect(del.code, del.stdout).toBe(0);
      expect(reservations('chk')).toEqual([]);
    });
  });
});
