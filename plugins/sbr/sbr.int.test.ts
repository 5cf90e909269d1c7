import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUPPORTED_VERSIONS } from '../../lib/cni/index.ts';
import { addNodeAddress, ipJson, isRoot, removeAllNamespaces } from '../../lib/testing/index.ts';
import { type SbrEnv, createSbrEnv } from './test-env.ts';

// sbr against the kernel, chained after our ptp in a throwaway pod: the rules and tables it
// makes, traffic leaving by the interface of its source address, CHECK, DEL, rollback and
// bad input.

const V4 = ['10.93.0.0/24'];
const DUAL = ['10.93.0.0/24', 'fd93::/64'];

/** rx_packets of a link in a namespace. */
function rxPackets(env: SbrEnv, link: string): number {
  return ipJson<{ stats64: { rx: { packets: number } } }[]>(env.node, ['-s', 'link', 'show', link])[0]?.stats64.rx.packets ?? -1;
}

describe.skipIf(!isRoot())('sbr: source-based routing in the pod', () => {
  let env: SbrEnv;
  beforeAll(() => {
    env = createSbrEnv('sbr');
  });
  afterAll(() => {
    env?.dispose();
    removeAllNamespaces();
  });

  it('IPv4 and IPv6: a rule and a table per address from 100 on, the routes moved out of main; result = prevResult; CHECK; DEL removes rules and tables', async () => {
    const pod = env.pod('dual');
    const a = await env.attach(pod, { network: 'dual', subnets: DUAL });
    const mainBefore = env.table(pod, 'main');
    expect(mainBefore).toContain('default via 10.93.0.1 eth0');
    const add = await env.run('ADD', env.conf(a), a);
    expect(add.code, add.stdout + add.stderr).toBe(0);
    expect(add.json).toEqual(a.prevResult);
    expect(env.rules(pod)).toEqual(['10.93.0.2 lookup 100', 'fd93::2 lookup 101']);
    expect(env.table(pod, 100)).toEqual(['default via 10.93.0.1 eth0', '10.93.0.0/24 via 10.93.0.1 eth0', '10.93.0.1 eth0', 'fe80::/64 eth0']);
    expect(env.table(pod, 101)).toEqual(expect.arrayContaining(['default via fd93::1 eth0', 'fd93::/64 via fd93::1 eth0', 'fd93::1 eth0', 'fe80::/64 eth0']));
    expect(env.table(pod, 'main').filter((r) => r.endsWith('eth0'))).toEqual([]);
    expect(pod.exec(['ip', 'route', 'get', '192.0.2.1', 'from', '10.93.0.2'])).toMatch(/via 10\.93\.0\.1 dev eth0 table 100/);

    const check = await env.run('CHECK', env.conf(a), a);
    expect(check.code, check.stdout).toBe(0);
    const del = await env.run('DEL', env.conf(a), a);
    expect(del.code, del.stdout + del.stderr).toBe(0);
    expect(env.rules(pod)).toEqual([]);
    expect(env.table(pod, 100)).toEqual([]);
    expect(env.table(pod, 101)).toEqual([]);
    const again = await env.run('DEL', env.conf(a), a);
    expect(again.code, again.stdout).toBe(0);
    await env.detach(a);
  });

  it('two interfaces from two networks: traffic from each address leaves by its own interface', async () => {
    addNodeAddress(env.node, '192.0.2.1/32', 'far0');
    const pod = env.pod('two');
    // IPv4 only: no router solicitations or MLD reports on the new links to blur the packet counts
    pod.exec(['sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
    const a = await env.attach(pod, { network: 'neta', subnets: ['10.94.0.0/24'], ifname: 'eth0' });
    expect((await env.run('ADD', env.conf(a), a)).code).toBe(0);
    // ptp of the second network adds its default route to the main table, now free of eth0's
    const b = await env.attach(pod, { network: 'netb', subnets: ['10.95.0.0/24'], ifname: 'net1' });
    const addB = await env.run('ADD', env.conf(b), b);
    expect(addB.code, addB.stdout).toBe(0);
    expect(env.rules(pod)).toEqual(['10.95.0.2 lookup 101', '10.94.0.2 lookup 100']); // the later rule gets the next lower preference
    expect(env.table(pod, 101)).toContain('default via 10.95.0.1 net1');

    const hostA = a.prevResult.interfaces[0].name as string;
    const hostB = b.prevResult.interfaces[0].name as string;
    for (const [source, via, other] of [['10.94.0.2', hostA, hostB], ['10.95.0.2', hostB, hostA]] as const) {
      expect(pod.exec(['ip', 'route', 'get', '192.0.2.1', 'from', source])).toMatch(source.startsWith('10.94') ? /dev eth0 table 100/ : /dev net1 table 101/);
      const [viaBefore, otherBefore] = [rxPackets(env, via), rxPackets(env, other)];
      expect(pod.tryExec(['ping', '-c', '3', '-i', '0.2', '-w', '4', '-I', source, '192.0.2.1']).code).toBe(0);
      expect(rxPackets(env, via) - viaBefore).toBeGreaterThanOrEqual(3);
      expect(rxPackets(env, other) - otherBefore).toBe(0);
    }
    // and the pod answers each address's requests from a far source (the default routes' job) through that address's interface
    for (const [address, via, other] of [['10.94.0.2', hostA, hostB], ['10.95.0.2', hostB, hostA]] as const) {
      const [viaBefore, otherBefore] = [rxPackets(env, via), rxPackets(env, other)];
      expect(env.node.tryExec(['ping', '-c', '3', '-i', '0.2', '-w', '4', '-I', '192.0.2.1', address]).code).toBe(0);
      expect(rxPackets(env, via) - viaBefore).toBeGreaterThanOrEqual(3);
      expect(rxPackets(env, other) - otherBefore).toBe(0);
    }
    // an address bound to no interface's table has no route: the main table lost them both (Go's behaviour)
    expect(pod.tryExec(['ip', 'route', 'get', '192.0.2.1']).code).not.toBe(0);

    for (const x of [b, a]) {
      expect((await env.run('DEL', env.conf(x), x)).code).toBe(0);
      await env.detach(x);
    }
    expect(env.rules(pod)).toEqual([]);
  });

  it('skips tables already in use: by a rule, or holding routes', async () => {
    const pod = env.pod('busy');
    pod.exec(['ip', 'rule', 'add', 'from', '192.0.2.99', 'lookup', '100']);
    pod.exec(['ip', 'link', 'add', 'spare0', 'type', 'veth', 'peer', 'name', 'spare1']);
    pod.exec(['ip', 'link', 'set', 'spare0', 'up']);
    pod.exec(['ip', 'route', 'add', '198.51.100.0/24', 'dev', 'spare0', 'table', '101']);
    const a = await env.attach(pod, { network: 'busy', subnets: V4 });
    expect((await env.run('ADD', env.conf(a), a)).code).toBe(0);
    expect(env.rules(pod)).toContain('10.93.0.2 lookup 102');
    expect((await env.run('DEL', env.conf(a), a)).code).toBe(0);
    expect(env.rules(pod)).toEqual(['192.0.2.99 lookup 100']);
    expect(env.table(pod, 101)).toEqual(['198.51.100.0/24 spare0']);
    await env.detach(a);
  });

  it('table: rules only, into that table (above 255 too); the routes stay; DEL removes the rules', async () => {
    const pod = env.pod('table');
    const a = await env.attach(pod, { network: 'tbl', subnets: DUAL });
    const mainBefore = env.table(pod, 'main');
    const config = env.conf(a, { table: 70000 });
    const add = await env.run('ADD', config, a);
    expect(add.code, add.stdout).toBe(0);
    expect(env.rules(pod)).toEqual(['10.93.0.2 lookup 70000', 'fd93::2 lookup 70000']);
    expect(env.table(pod, 'main')).toEqual(mainBefore);
    expect((await env.run('CHECK', config, a)).code).toBe(0);
    expect((await env.run('DEL', config, a)).code).toBe(0);
    expect(env.rules(pod)).toEqual([]);
    expect(env.table(pod, 'main')).toEqual(mainBefore);
    await env.detach(a);
  });

  it('CHECK fails naming what is missing when a rule or the table\'s default route is gone', async () => {
    const pod = env.pod('chk');
    const a = await env.attach(pod, { network: 'chk', subnets: V4 });
    expect((await env.run('ADD', env.conf(a), a)).code).toBe(0);
    pod.exec(['ip', 'route', 'del', 'default', 'table', '100']);
    const noRoute = await env.run('CHECK', env.conf(a), a);
    expect(noRoute.code).toBe(1);
    expect(noRoute.json.msg).toContain('table 100 (rule "from 10.93.0.2/32") has no default route via 10.93.0.1');
    pod.exec(['ip', 'rule', 'del', 'from', '10.93.0.2', 'lookup', '100']);
    const noRule = await env.run('CHECK', env.conf(a), a);
    expect(noRule.json).toMatchObject({ code: 999 });
    expect(noRule.json.msg).toContain('no rule "from 10.93.0.2/32"');
    expect((await env.run('DEL', env.conf(a), a)).code).toBe(0);
    await env.detach(a);
  });

  it('a failed ADD leaves the pod as it was: a gateway no route reaches makes the default route fail after the rule', async () => {
    const pod = env.pod('undo');
    const a = await env.attach(pod, { network: 'undo', subnets: V4 });
    const before = [env.rules(pod), env.table(pod, 'main')];
    const prevResult = { ...a.prevResult, ips: [{ ...a.prevResult.ips[0], gateway: '10.50.0.1' }] };
    const add = await env.run('ADD', { ...env.conf(a), prevResult }, a);
    expect(add.code).toBe(1);
    expect(add.json.msg).toMatch(/failed to add route 0\.0\.0\.0\/0 via 10\.50\.0\.1 table 100/);
    expect([env.rules(pod), env.table(pod, 'main')]).toEqual(before);
    expect(env.table(pod, 100)).toEqual([]);
    await env.detach(a);
  });

  it('DEL succeeds when the namespace is gone, without leaving a file at its path; or with an empty CNI_NETNS', async () => {
    const pod = env.pod('gone');
    const a = await env.attach(pod, { network: 'gone', subnets: V4 });
    expect((await env.run('ADD', env.conf(a), a)).code).toBe(0);
    await env.detach(a);
    pod.remove();
    const del = await env.run('DEL', env.conf(a), a);
    expect(del.code, del.stdout).toBe(0);
    expect(existsSync(pod.path)).toBe(false);
    expect((await env.run('DEL', env.conf(a), a, { netns: '' })).code).toBe(0);
  });

  it('DEL after the interface is gone removes the rules by prevResult\'s addresses', async () => {
    const pod = env.pod('ifgone');
    const a = await env.attach(pod, { network: 'ifgone', subnets: V4 });
    expect((await env.run('ADD', env.conf(a), a)).code).toBe(0);
    await env.detach(a);
    expect(env.rules(pod)).toEqual(['10.93.0.2 lookup 100']);
    expect((await env.run('DEL', env.conf(a), a)).code).toBe(0);
    expect(env.rules(pod)).toEqual([]);
  });

  it.each([
    [{ table: 254 }, 'invalid table 254'],
    [{ table: 255 }, 'invalid table 255'],
    [{ table: 0 }, 'invalid table 0'],
    [{ table: 4294967296 }, 'invalid table 4294967296'],
    [{ table: 'main' }, 'invalid table "main"'],
  ])('bad input %j: code 7 naming the key and value, nothing changed', async (extra, msg) => {
    const pod = env.pod('bad');
    const a = await env.attach(pod, { network: 'bad', subnets: V4 });
    const before = [env.rules(pod), env.table(pod, 'main')];
    const add = await env.run('ADD', env.conf(a, extra), a);
    expect(add.code).toBe(1);
    expect(add.json).toMatchObject({ code: 7, msg });
    expect([env.rules(pod), env.table(pod, 'main')]).toEqual(before);
    await env.detach(a);
  });

  it('ADD without prevResult: code 7 "This plugin must be called as chained plugin"; nothing changed', async () => {
    const pod = env.pod('noprev');
    const a = await env.attach(pod, { network: 'noprev', subnets: V4 });
    const add = await env.run('ADD', env.conf(a, {}, { prevResult: false }), a);
    expect(add.json).toMatchObject({ code: 7, msg: 'This plugin must be called as chained plugin' });
    expect(env.rules(pod)).toEqual([]);
    await env.detach(a);
  });

  it.each(SUPPORTED_VERSIONS)('spec %s: ADD passes prevResult through in that version; DEL cleans up', async (version) => {
    const pod = env.pod(`v${version.replaceAll('.', '')}`);
    const a = await env.attach(pod, { network: `ver${version.replaceAll('.', '')}`, subnets: V4, version });
    const add = await env.run('ADD', env.conf(a, {}, { version }), a);
    expect(add.code, add.stdout + add.stderr).toBe(0);
    expect(add.json).toEqual(a.prevResult);
    expect(env.rules(pod)).toEqual(['10.93.0.2 lookup 100']);
    expect((await env.run('DEL', env.conf(a, {}, { version }), a)).code).toBe(0);
    expect(env.rules(pod)).toEqual([]);
    await env.detach(a);
  });
});
