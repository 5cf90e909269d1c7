import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipJson, isRoot, removeAllNamespaces } from '../../lib/testing/index.ts';
import { type TuningEnv, createTuningEnv } from './test-env.ts';

// The built tuning plugin chained after our bridge + host-local, in a throwaway node and pods:
// every key applied (read back with ip -d link and /proc/sys in the pod), DEL restoring,
// CHECK noticing a change, bad input refused before anything changes, and a failed ADD
// putting back what it changed.

const MAC = '0a:58:0a:4f:00:99';

describe.skipIf(!isRoot())('tuning plugin, built, chained after bridge', () => {
  let env: TuningEnv;
  beforeAll(() => {
    env = createTuningEnv('tun');
  });
  afterAll(() => {
    env?.dispose();
    removeAllNamespaces();
  });

  it('applies every key, saves the originals as Go does, CHECK passes then notices a change, DEL restores', async () => {
    const p = await env.attach('all');
    const before = p.link();
    const config = env.conf(
      { sysctl: { 'net.ipv4.conf.IFNAME.arp_filter': '1', 'net.core.somaxconn': '512', 'net.ipv4.tcp_rmem': '4096 87380 6291456' }, mac: MAC, mtu: 1400, promisc: true, allmulti: true, txQLen: 333 },
      p,
    );
    const add = await env.run('ADD', config, p);
    expect(add.code, add.stdout + add.stderr).toBe(0);
    const eth0 = add.json.interfaces.find((i: { name: string; sandbox?: string }) => i.name === 'eth0' && i.sandbox);
    expect(eth0.mac).toBe(MAC);
    expect(add.json.ips).toEqual(p.prevResult.ips);

    const after = p.link();
    expect(after.address).toBe(MAC);
    expect(after.mtu).toBe(1400);
    expect(after.flags).toEqual(expect.arrayContaining(['PROMISC', 'ALLMULTI']));
    expect(after.txqlen).toBe(333);
    expect(p.sysctl('net.ipv4.conf.eth0.arp_filter')).toBe('1');
    expect(p.sysctl('net.core.somaxconn')).toBe('512');
    // the host's own value is untouched (a per-namespace key)
    expect(env.node.exec(['cat', '/proc/sys/net/core/somaxconn']).trim()).not.toBe('512');

    const file = join(env.dataDir, `${p.containerId}_eth0.json`);
    expect(env.backups()).toEqual([`${p.containerId}_eth0.json`]);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ mac: before.address, promisc: false, mtu: before.mtu, allmulti: false, txQLen: before.txqlen });

    const check = await env.run('CHECK', { ...config, prevResult: add.json }, p);
    expect(check.code, check.stdout).toBe(0);
    p.pod.exec(['ip', 'link', 'set', 'eth0', 'mtu', '1300']);
    const changed = await env.run('CHECK', { ...config, prevResult: add.json }, p);
    expect(changed.code).toBe(1);
    expect(changed.json.msg).toContain('eth0 MTU is 1300, configured 1400');
    p.pod.exec(['ip', 'link', 'set', 'eth0', 'mtu', '1400']);
    p.pod.exec(['sh', '-c', 'echo 128 > /proc/sys/net/core/somaxconn']);
    const sysctlChanged = await env.run('CHECK', { ...config, prevResult: add.json }, p);
    expect(sysctlChanged.json?.msg).toContain('sysctl net.core.somaxconn is "128", configured "512"');

    const del = await env.run('DEL', config, p);
    expect(del.code, del.stdout).toBe(0);
    const restored = p.link();
    expect(restored.address).toBe(before.address);
    expect(restored.mtu).toBe(before.mtu);
    expect(restored.flags).not.toContain('PROMISC');
    expect(restored.flags).not.toContain('ALLMULTI');
    expect(restored.txqlen).toBe(before.txqlen);
    expect(env.backups()).toEqual([]);
    // sysctls are the namespace's and go with it; Go does not restore them either
    expect(p.sysctl('net.core.somaxconn')).toBe('128');
  });

  it('takes the MAC from CNI_ARGS (as podman passes --mac-address), runtimeConfig and args.cni, by Go\'s precedence', async () => {
    const p = await env.attach('mac');
    const fromArgs = await env.run('ADD', env.conf({}, p), p, { args: 'IgnoreUnknown=1;MAC=0a:58:0a:4f:00:01;K8S_POD_NAME=x' });
    expect(fromArgs.code, fromArgs.stdout).toBe(0);
    expect(p.link().address).toBe('0a:58:0a:4f:00:01');
    const rc = await env.run('ADD', env.conf({ runtimeConfig: { mac: '0a:58:0a:4f:00:02' } }, p), p, { args: 'MAC=0a:58:0a:4f:00:01' });
    expect(rc.code, rc.stdout).toBe(0);
    expect(p.link().address).toBe('0a:58:0a:4f:00:02');
    const argsCni = await env.run('ADD', env.conf({ runtimeConfig: { mac: '0a:58:0a:4f:00:02' }, args: { cni: { mac: '0a:58:0a:4f:00:03' } } }, p), p);
    expect(argsCni.code, argsCni.stdout).toBe(0);
    expect(p.link().address).toBe('0a:58:0a:4f:00:03');
    // three ADDs, one backup: the first one's original MAC, which DEL puts back
    const del = await env.run('DEL', env.conf({}), p);
    expect(del.code, del.stdout).toBe(0);
    expect(p.link().address).toBe(p.prevResult.interfaces.find((i: { name: string; sandbox?: string }) => i.name === 'eth0' && i.sandbox).mac);
  });

  it.each(['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'])('speaks spec %s (result passed through in that version)', async (version) => {
    const p = await env.attach(`v${version.replaceAll('.', '')}`, version);
    const config = env.conf({ mtu: 1450 }, p, version);
    const add = await env.run('ADD', config, p);
    expect(add.code, add.stdout).toBe(0);
    expect(add.json.cniVersion).toBe(version);
    expect(add.json.ips ?? add.json.ip4).toEqual(p.prevResult.ips ?? p.prevResult.ip4);
    expect(p.link().mtu).toBe(1450);
    const del = await env.run('DEL', env.conf({}, undefined, version), p);
    expect(del.code, del.stdout).toBe(0);
    expect(p.link().mtu).toBe(1500);
  });

  it.each([
    [{ sysctl: { 'kernel.hostname': 'evil' } }, 'invalid sysctl key "kernel.hostname"'],
    [{ sysctl: { 'net.core.netdev_max_backlog': '5000' } }, 'invalid sysctl key "net.core.netdev_max_backlog"'],
    [{ sysctl: { 'net.core.rmem_max': '1' } }, 'invalid sysctl key "net.core.rmem_max"'],
    [{ sysctl: { 'net.ipv4.conf.IFNAME.arp_filter': '1', 'net.ipv4.conf.IFNAME....kernel.hostname': 'x' } }, 'invalid sysctl key "net.ipv4.conf.IFNAME....kernel.hostname"'],
    [{ sysctl: { 'net.core.somaxconn': '77' }, mtu: 70000 }, 'invalid mtu 70000'],
    [{ sysctl: { 'net.core.somaxconn': '77' }, mtu: 10 }, 'invalid mtu 10'],
    [{ sysctl: { 'net.core.somaxconn': '77' }, mac: '01:00:5e:00:00:01' }, 'invalid mac "01:00:5e:00:00:01"'],
    [{ mtu: -1 }, 'invalid mtu -1'],
    [{ txQLen: 'long' }, 'invalid txQLen "long"'],
  ])('refuses %j with code 7 before anything changes', async (extra, msg) => {
    const p = await env.attach('bad');
    const before = p.link();
    const somaxconn = p.sysctl('net.core.somaxconn');
    const arpFilter = p.sysctl('net.ipv4.conf.eth0.arp_filter');
    const r = await env.run('ADD', env.conf({ ...extra, promisc: true }, p), p);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 7, msg });
    expect(p.link()).toEqual(before);
    expect(p.sysctl('net.core.somaxconn')).toBe(somaxconn);
    expect(p.sysctl('net.ipv4.conf.eth0.arp_filter')).toBe(arpFilter);
    expect(env.backups()).toEqual([]);
    p.pod.remove();
  });

  it('a failed ADD puts back the sysctls it had written (a value the kernel refuses)', async () => {
    const p = await env.attach('undo');
    const before = [p.sysctl('net.ipv4.conf.eth0.arp_filter'), p.sysctl('net.core.somaxconn')];
    const r = await env.run('ADD', env.conf({ sysctl: { 'net.ipv4.conf.IFNAME.arp_filter': '1', 'net.core.somaxconn': '99', 'net.ipv4.ip_local_port_range': 'not numbers' } }, p), p);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 7, msg: 'invalid sysctl value "not numbers" for net.ipv4.ip_local_port_range' });
    expect([p.sysctl('net.ipv4.conf.eth0.arp_filter'), p.sysctl('net.core.somaxconn')]).toEqual(before);
    p.pod.remove();
  });

  it('a failed ADD puts back the link attributes it had set and the backup file (an MTU the kernel refuses)', async () => {
    const p = await env.attach('undolink');
    // a macvlan reports 68-65535 but refuses an MTU above its lower device's: the MAC is set by then
    p.pod.exec(['ip', 'link', 'add', 'low0', 'type', 'veth', 'peer', 'name', 'low1']);
    p.pod.exec(['ip', 'link', 'add', 'mv0', 'link', 'low0', 'type', 'macvlan', 'mode', 'bridge']);
    const link = () => ipJson<{ address: string; mtu: number; flags: string[] }[]>(p.pod, ['link', 'show', 'mv0'])[0];
    const before = link();
    const somaxconn = p.sysctl('net.core.somaxconn');
    const r = await env.run('ADD', env.conf({ sysctl: { 'net.core.somaxconn': '99' }, mac: MAC, promisc: true, mtu: 9000 }, p), p, { ifname: 'mv0' });
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 999, msg: expect.stringContaining('mv0: failed to set mtu 9000') });
    expect(link()).toEqual(before);
    expect(p.sysctl('net.core.somaxconn')).toBe(somaxconn);
    expect(env.backups()).not.toContain(`${p.containerId}_mv0.json`);
  });

  it('enforces the allowlist file when it exists (its path set for the test)', async () => {
    const p = await env.attach('allow');
    const list = join(env.dataDir, '..', 'allowlist.conf');
    writeFileSync(list, '^net\\.ipv4\\.conf\\.IFNAME\\.[a-z_]+$\n');
    const allowlistEnv = { CNI_TS_TUNING_ALLOWLIST: list };
    const denied = await env.run('ADD', env.conf({ sysctl: { 'net.ipv4.conf.IFNAME.arp_filter': '1', 'net.core.somaxconn': '300' } }, p), p, { env: allowlistEnv });
    expect(denied.json).toMatchObject({ code: 7, msg: 'sysctl "net.core.somaxconn" (sysctl) is not allowed' });
    expect(p.sysctl('net.ipv4.conf.eth0.arp_filter')).toBe('0');
    const allowed = await env.run('ADD', env.conf({ sysctl: { 'net.ipv4.conf.IFNAME.arp_filter': '1' } }, p), p, { env: allowlistEnv });
    expect(allowed.code, allowed.stdout).toBe(0);
    expect(p.sysctl('net.ipv4.conf.eth0.arp_filter')).toBe('1');
  });

  it('DEL succeeds and forgets the backup when the netns is gone, and when there is nothing to do', async () => {
    const p = await env.attach('gone');
    const add = await env.run('ADD', env.conf({ mtu: 1400 }, p), p);
    expect(add.code, add.stdout).toBe(0);
    expect(env.backups()).toContain(`${p.containerId}_eth0.json`);
    const path = p.pod.path;
    p.pod.remove();
    const del = await env.run('DEL', env.conf({}), p, { netns: path });
    expect(del.code, del.stdout).toBe(0);
    const noNetns = await env.run('DEL', env.conf({}), p, { netns: '' });
    expect(noNetns.code, noNetns.stdout).toBe(0);
    // a configuration ADD refuses does not fail the DEL (a runtime would retry it for ever)
    const refusedConfig = await env.run('DEL', env.conf({ sysctl: { 'kernel.hostname': 'x' }, mtu: -1 }), p, { netns: '', args: 'MAC=junk' });
    expect(refusedConfig.code, refusedConfig.stdout).toBe(0);
    expect(env.backups()).not.toContain(`${p.containerId}_eth0.json`);
  });

  it('CHECK refuses, as ADD, a sysctl that is not the pod namespace\'s (code 7)', async () => {
    const p = await env.attach('checkbad');
    const r = await env.run('CHECK', env.conf({ sysctl: { 'net.core.netdev_max_backlog': '1000' } }, p), p);
    expect(r.json).toMatchObject({ code: 7, msg: 'invalid sysctl key "net.core.netdev_max_backlog"' });
  });

  it('requires prevResult for ADD and CHECK, as Go', async () => {
    const p = await env.attach('noprev');
    const r = await env.run('ADD', env.conf({ mtu: 1400 }), p);
    expect(r.json).toMatchObject({ code: 7, msg: 'required prevResult missing' });
    expect(p.link().mtu).toBe(1500);
  });
});
