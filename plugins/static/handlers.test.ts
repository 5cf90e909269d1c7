import { describe, expect, it } from 'vitest';
import { runPlugin } from '../../lib/cni/index.ts';
import { fakeIo } from '../../lib/cni/testing-io.ts';
import { add, check, del } from './handlers.ts';

// The verbs as skel runs them: the printed result in each spec version, DEL, CHECK, GC, STATUS.

const plugin = { name: 'static', handlers: { add, del, check } };

async function run(command: string, config: Record<string, unknown>, args?: string): Promise<{ code: number; out: any }> {
  const env = { CNI_COMMAND: command, CNI_CONTAINERID: 'c1', CNI_NETNS: '/var/run/netns/x', CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin', CNI_ARGS: args };
  const io = fakeIo(env, JSON.stringify(config));
  const code = await runPlugin(plugin, io);
  const text = io.stdout.join('');
  return { code, out: text ? JSON.parse(text) : undefined };
}

const ipam = {
  type: 'static',
  addresses: [{ address: '10.10.0.1/24', gateway: '10.10.0.254' }, { address: '3ffe:ffff:0:1ff::1/64', gateway: '3ffe:ffff:0::1' }],
  routes: [{ dst: '0.0.0.0/0' }, { dst: '192.168.0.0/16', gw: '10.10.5.1', priority: 10 }],
  dns: { nameservers: ['8.8.8.8'], domain: 'example.com', search: ['example.com'] },
};
const net = (cniVersion: string, extra: Record<string, unknown> = {}) => ({ cniVersion, name: 'mynet', type: 'bridge', ipam, ...extra });

describe('static ADD', () => {
  it('1.1.0: addresses without interface index, routes with their 1.1 keys, dns', async () => {
    const { code, out } = await run('ADD', net('1.1.0'));
    expect(code).toBe(0);
    expect(out).toEqual({
      cniVersion: '1.1.0',
      ips: [{ address: '10.10.0.1/24', gateway: '10.10.0.254' }, { address: '3ffe:ffff:0:1ff::1/64', gateway: '3ffe:ffff::1' }],
      routes: [{ dst: '0.0.0.0/0' }, { dst: '192.168.0.0/16', gw: '10.10.5.1', priority: 10 }],
      dns: { nameservers: ['8.8.8.8'], domain: 'example.com', search: ['example.com'] },
    });
  });

  it('0.4.0 adds the family to each address; 1.0.0 keeps the route priority (Go v1.9.1 shares one route type across versions)', async () => {
    const v040 = (await run('ADD', net('0.4.0'))).out;
    expect(v040.ips.map((i: { version: string }) => i.version)).toEqual(['4', '6']);
    expect((await run('ADD', net('1.0.0'))).out.routes[1]).toEqual({ dst: '192.168.0.0/16', gw: '10.10.5.1', priority: 10 });
  });

  it('0.2.0: ip4 and ip6 blocks, routes by family', async () => {
    const { out } = await run('ADD', net('0.2.0'));
    expect(out.ip4).toEqual({ ip: '10.10.0.1/24', gateway: '10.10.0.254', routes: [{ dst: '0.0.0.0/0' }, { dst: '192.168.0.0/16', gw: '10.10.5.1' }] });
    expect(out.ip6).toEqual({ ip: '3ffe:ffff:0:1ff::1/64', gateway: '3ffe:ffff::1' });
  });

  it('the ips capability wins over CNI_ARGS; a bad CNI_ARGS IP is still code 4', async () => {
    const withCap = net('1.0.0', { runtimeConfig: { ips: ['10.99.0.9/16'] } });
    expect((await run('ADD', withCap, 'IP=10.10.0.3/24')).out.ips).toEqual([{ address: '10.99.0.9/16' }]);
    const bad = await run('ADD', withCap, 'IP=10.10.0.3');
    expect([bad.code, bad.out.code, bad.out.msg]).toEqual([1, 4, 'invalid CNI_ARGS IP "10.10.0.3"']);
  });
});

describe('static DEL, CHECK, GC, STATUS', () => {
  it('DEL succeeds without output, even for a config ADD would refuse', async () => {
    expect(await run('DEL', net('1.1.0'))).toEqual({ code: 0, out: undefined });
    expect(await run('DEL', { cniVersion: '1.1.0', name: 'mynet', type: 'bridge', ipam: { type: 'static', addresses: 'junk' } })).toEqual({ code: 0, out: undefined });
  });

  it('CHECK passes for the ADD result and fails for a changed gateway, prefix or a missing address', async () => {
    const added = (await run('ADD', net('1.0.0'))).out;
    expect((await run('CHECK', net('1.0.0', { prevResult: added }))).code).toBe(0);
    const otherGw = structuredClone(added);
    otherGw.ips[0].gateway = '10.10.0.253';
    const e1 = await run('CHECK', net('1.0.0', { prevResult: otherGw }));
    expect([e1.code, e1.out.msg]).toEqual([1, 'static: Failed to match addr 10.10.0.1/24 (ipam.addresses[0]) on interface eth0']);
    const otherPrefix = structuredClone(added);
    otherPrefix.ips[0].address = '10.10.0.1/16';
    expect((await run('CHECK', net('1.0.0', { prevResult: otherPrefix }))).code).toBe(1);
    const missing = { ...added, ips: added.ips.slice(1) };
    expect((await run('CHECK', net('1.0.0', { prevResult: missing }))).out.msg).toContain('is not in prevResult');
  });

  it('CHECK without prevResult is code 7', async () => {
    const { out } = await run('CHECK', net('1.0.0'));
    expect([out.code, out.msg]).toEqual([7, 'Required prevResult missing']);
  });

  it('GC and STATUS succeed from 1.1.0 (nothing held) and are code 1 before', async () => {
    expect(await run('GC', net('1.1.0'))).toEqual({ code: 0, out: undefined });
    expect(await run('STATUS', net('1.1.0'))).toEqual({ code: 0, out: undefined });
    expect((await run('STATUS', net('1.0.0'))).out.code).toBe(1);
  });
});
