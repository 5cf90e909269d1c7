import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot } from '../../lib/testing/index.ts';
import { type FirewallEnv, type TestPod, createFirewallEnv } from './test-env.ts';

// The firewall's records (stateDir, a temporary directory here) against the real kernel: a
// runtime below spec 0.4.0 sends DEL without prevResult, and iptables rules name only the pod's
// address, so DEL (and GC) find them only through what ADD recorded.

describe.skipIf(!isRoot()).each(['iptables', 'nftables'])('firewall (%s): records for DEL without prevResult and GC', (backend) => {
  let env: FirewallEnv;
  let p1: TestPod;
  let p2: TestPod;
  let p3: TestPod;
  let p4: TestPod;
  const record = (p: TestPod) => join(env.stateDir, p.net.name, `${p.containerId}:eth0`);
  /** Whether any rule of the node's firewall (the backend under test) names `ip`. */
  const named = (ip: string): boolean => (backend === 'iptables' ? env.filterLines().some((l) => l.includes(`${ip}/32`)) : env.nftTable().includes(ip));

  beforeAll(async () => {
    env = createFirewallEnv(`fwst${backend.slice(0, 3)}`);
    p1 = await env.pod(env.nets[0], 'fs-p1', '0.3.1');
    [p2, p3, p4] = [await env.pod(env.nets[0], 'fs-p2'), await env.pod(env.nets[0], 'fs-p3'), await env.pod(env.nets[0], 'fs-p4')];
  });
  afterAll(() => env?.dispose());

  it('ADD at 0.3.1 records the address; DEL at 0.3.1 without prevResult removes every rule naming the pod and the record', async () => {
    const add = await env.firewall('ADD', p1, env.conf(p1, { backend }));
    expect(add.code, add.stdout).toBe(0);
    expect(named(p1.ip)).toBe(true);
    expect(JSON.parse(readFileSync(record(p1), 'utf8'))).toMatchObject({ backend, ips: [p1.ip] });
    const del = await env.firewall('DEL', p1, env.conf(p1, { backend }, false));
    expect(del.code, del.stdout + del.stderr).toBe(0);
    expect(del.stderr).toBe('');
    expect(named(p1.ip)).toBe(false);
    expect(existsSync(record(p1))).toBe(false);
    const again = await env.firewall('DEL', p1, env.conf(p1, { backend }, false));
    expect(again.code, again.stdout).toBe(0);
  });

  it('GC removes the rules and record of an attachment not listed, and keeps the listed one\'s', async () => {
    for (const p of [p2, p3]) expect((await env.firewall('ADD', p, env.conf(p, { backend }))).code).toBe(0);
    const gc = await env.firewall('GC', p3, {
      cniVersion: '1.1.0',
      name: p3.net.name,
      type: 'firewall',
      backend,
      'cni.dev/valid-attachments': [{ containerID: p3.containerId, ifname: 'eth0' }],
    });
    expect(gc.code, gc.stdout + gc.stderr).toBe(0);
    expect(named(p2.ip)).toBe(false);
    expect(existsSync(record(p2))).toBe(false);
    expect(named(p3.ip)).toBe(true);
    expect(existsSync(record(p3))).toBe(true);
    expect((await env.firewall('DEL', p3, env.conf(p3, { backend }))).code).toBe(0);
    expect(named(p3.ip)).toBe(false);
  });

  it('a planted symbolic link in place of the record is named on stderr, never followed, and removed itself', async () => {
    expect((await env.firewall('ADD', p4, env.conf(p4, { backend }))).code).toBe(0);
    const target = join(env.stateDir, 'precious');
    writeFileSync(target, JSON.stringify({ backend, network: p4.net.name, containerId: p4.containerId, ifname: 'eth0', ips: ['10.91.1.250'] }));
    const path = record(p4);
    rmSync(path);
    symlinkSync(target, path);
    const del = await env.firewall('DEL', p4, env.conf(p4, { backend }, false));
    expect(del.code, del.stdout).toBe(0);
    expect(del.stderr).toMatch(/is a symlink where a file was expected/);
    expect(readFileSync(target, 'utf8')).toContain('10.91.1.250');
    expect(() => lstatSync(path)).toThrow();
    // nftables still finds the rules by owner; iptables rules (no owner) are what the record was for
    if (backend === 'nftables') expect(named(p4.ip)).toBe(false);
    expect((await env.firewall('DEL', p4, env.conf(p4, { backend }))).code).toBe(0);
    expect(named(p4.ip)).toBe(false);
  });

  it('a garbage record is named on stderr and DEL still succeeds, removing it', async () => {
    expect((await env.firewall('ADD', p4, env.conf(p4, { backend }))).code).toBe(0);
    writeFileSync(record(p4), 'garbage');
    const del = await env.firewall('DEL', p4, env.conf(p4, { backend }, false));
    expect(del.code, del.stdout).toBe(0);
    expect(del.stderr).toMatch(/is damaged: it is not JSON/);
    expect(existsSync(record(p4))).toBe(false);
    expect((await env.firewall('DEL', p4, env.conf(p4, { backend }))).code).toBe(0);
    expect(named(p4.ip)).toBe(false);
  });

  it('a directory planted in place of the record fails ADD with code 5 and leaves no rule', async () => {
    mkdirSync(record(p4), { recursive: true });
    const add = await env.firewall('ADD', p4, env.conf(p4, { backend }));
    expect(add.code).not.toBe(0);
    expect(add.json).toMatchObject({ code: 5 });
    expect(named(p4.ip)).toBe(false);
  });
});
