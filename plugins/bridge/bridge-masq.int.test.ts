import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestNamespace, ipJson, isRoot, removeAllNamespaces } from '../../lib/testing/index.ts';
import { type BridgeEnv, attach, createBridgeEnv, nftRules } from './test-env.ts';

// Both masquerade backends, the automatic choice when only one tool is installed, and dual
// stack end to end (addresses, gateways, routes, reachability, v4 and v6 rules).

const TABLE = 'cni_plugins_masquerade';
const dual = { subnet: undefined, ranges: [[{ subnet: '10.82.0.0/24' }], [{ subnet: 'fd82::/64' }]], routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0' }] };
const ping = (from: TestNamespace, to: string) => from.tryExec(['ping', '-c', '1', '-W', '2', to]).code;

describe.skipIf(!isRoot())('bridge: masquerade backends and dual stack', () => {
  let env: BridgeEnv;
  beforeAll(() => {
    env = createBridgeEnv('brmasq');
  });
  afterAll(() => {
    removeAllNamespaces();
    env?.dispose();
  });

  const masqRules = (cid: string) => nftRules(env.nft(), TABLE).filter((r) => r.comment?.includes(`id: ${cid}`));

  it('dual stack with iptables: both families configured and reachable, rules in iptables and ip6tables', async () => {
    const config = env.conf({ name: 'ds', bridge: 'br-ds', isGateway: true, ipMasq: true }, dual);
    const p1 = env.pod('ds1');
    const p2 = env.pod('ds2');
    const r1 = await env.run({ command: 'ADD', config, ...attach(p1, 'ds-1') });
    const r2 = await env.run({ command: 'ADD', config, ...attach(p2, 'ds-2') });
    expect(r1.code, r1.stdout).toBe(0);
    expect(r2.code, r2.stdout).toBe(0);
    expect(r1.json.ips).toEqual([
      { address: '10.82.0.2/24', gateway: '10.82.0.1', interface: 2 },
      { address: 'fd82::2/64', gateway: 'fd82::1', interface: 2 },
    ]);
    const brAddrs = ipJson<{ addr_info: { local: string; prefixlen: number; scope: string }[] }[]>(env.node, ['addr', 'show', 'dev', 'br-ds'])[0]?.addr_info ?? [];
    expect(brAddrs.filter((a) => a.scope === 'global').map((a) => `${a.local}/${a.prefixlen}`)).toEqual(['10.82.0.1/24', 'fd82::1/64']);
    const v6routes = ipJson<{ dst: string; gateway?: string }[]>(p1, ['-6', 'route', 'show']);
    expect(v6routes).toContainEqual(expect.objectContaining({ dst: 'default', gateway: 'fd82::1' }));
    expect(ping(p1, 'fd82::3')).toBe(0);
    expect(ping(p2, 'fd82::1')).toBe(0);
    expect(ping(env.node, 'fd82::2')).toBe(0);
    expect(ping(p1, '10.82.0.3')).toBe(0);
    expect(env.node.exec(['sysctl', '-n', 'net.ipv6.conf.all.forwarding']).trim()).toBe('1');
    expect(env.natLines('id: \\"ds-1\\"')).toHaveLength(3);
    const v6 = env.natLines('id: \\"ds-1\\"', 6);
    expect(v6.find((l) => l.startsWith('-A POSTROUTING'))).toMatch(/^-A POSTROUTING -s fd82::2\/128 /);
    expect(v6.some((l) => l.includes('! -d ff00::/8') && l.endsWith('-j MASQUERADE'))).toBe(true);
    const c = await env.run({ command: 'CHECK', config: { ...config, prevResult: r1.json }, ...attach(p1, 'ds-1') });
    expect(c.code, c.stdout).toBe(0);
    for (const [p, cid] of [[p1, 'ds-1'], [p2, 'ds-2']] as const) {
      const d = await env.run({ command: 'DEL', config, ...attach(p, cid) });
      expect(d.code, d.stdout).toBe(0);
    }
    expect([...env.natLines('id: \\"ds-'), ...env.natLines('id: \\"ds-', 6)]).toEqual([]);
    expect(env.ipamFiles()).toEqual([]);
  });

  it('dual stack with nftables: one rule per address in the reference layout, removed by DEL', async () => {
    const config = env.conf({ name: 'dn', bridge: 'br-dn', isGateway: true, ipMasq: true, ipMasqBackend: 'nftables' }, { ...dual, ranges: [[{ subnet: '10.83.0.0/24' }], [{ subnet: 'fd83::/64' }]] });
    const p = env.pod('dn');
    const r = await env.run({ command: 'ADD', config, ...attach(p, 'dn-1') });
    expect(r.code, r.stdout).toBe(0);
    const rules = masqRules('dn-1');
    expect(rules).toHaveLength(2);
    expect(rules.every((x) => x.chain === 'masq_checks')).toBe(true);
    const text = JSON.stringify(rules);
    expect(text).toContain('10.83.0.2');
    expect(text).toContain('fd83::2');
    expect(text).toContain('masquerade');
    const chains = env.nft().nftables.filter((x) => x.chain?.table === TABLE).map((x) => x.chain.name).sort();
    expect(chains).toEqual(['masq_checks', 'postrouting']);
    expect(env.natLines('id: \\"dn-1\\"')).toEqual([]); // nothing in iptables
    const c = await env.run({ command: 'CHECK', config: { ...config, prevResult: r.json }, ...attach(p, 'dn-1') });
    expect(c.code, c.stdout).toBe(0);
    const d = await env.run({ command: 'DEL', config, ...attach(p, 'dn-1') });
    expect(d.code, d.stdout).toBe(0);
    expect(masqRules('dn-1')).toEqual([]);
  });

  it('chooses nftables by itself when iptables is not installed, and DEL then finds the rules', async () => {
    const config = env.conf({ name: 'auto', bridge: 'br-auto', isGateway: true, ipMasq: true }, { subnet: '10.84.0.0/24' });
    const p = env.pod('auto');
    const onlyNft = env.withoutTools(['iptables', 'iptables-restore', 'ip6tables', 'ip6tables-restore']);
    const r = await env.run({ command: 'ADD', config, ...attach(p, 'auto-1') }, onlyNft);
    expect(r.code, r.stdout).toBe(0);
    expect(masqRules('auto-1')).toHaveLength(1);
    expect(env.natLines('id: \\"auto-1\\"')).toEqual([]);
    const d = await env.run({ command: 'DEL', config, ...attach(p, 'auto-1') }); // all tools installed
    expect(d.code, d.stdout).toBe(0);
    expect(masqRules('auto-1')).toEqual([]);
  });

  it('an explicit backend whose tool is missing fails the ADD and leaves nothing', async () => {
    const config = env.conf({ name: 'miss', bridge: 'br-miss', ipMasq: true, ipMasqBackend: 'nftables' }, { subnet: '10.85.0.0/24' });
    const p = env.pod('miss');
    const r = await env.run({ command: 'ADD', config, ...attach(p, 'miss-1') }, env.withoutTools(['nft']));
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 50, msg: 'masquerade backend "nftables" is not usable: nft not found in PATH' });
    expect(env.ipamFiles()).toEqual([]);
    expect(ipJson<{ ifname: string }[]>(p, ['link', 'show']).map((l) => l.ifname)).toEqual(['lo']);
  });

  it('ADD with ipMasq on a node without iptables and nft fails with code 50 and leaves nothing', async () => {
    const config = env.conf({ name: 'none', bridge: 'br-none', ipMasq: true }, { subnet: '10.86.0.0/24' });
    const p = env.pod('none');
    const r = await env.run({ command: 'ADD', config, ...attach(p, 'none-1') }, env.withoutTools(['iptables', 'iptables-restore', 'nft']));
    expect(r.json).toMatchObject({ code: 50, msg: 'no usable masquerade backend: none of iptables, iptables-restore, nft found in PATH' });
    expect(env.ipamFiles()).toEqual([]);
    expect(ipJson<{ ifname: string }[]>(p, ['link', 'show']).map((l) => l.ifname)).toEqual(['lo']);
  });
});
