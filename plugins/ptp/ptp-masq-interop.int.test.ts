import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasGoPlugin, ipJson, isRoot, removeAllNamespaces } from '../../lib/testing/index.ts';
import { GO_PTP, type PtpEnv, attach, createPtpEnv } from './test-env.ts';

// ipMasq through both firewall backends, DEL and GC of the rules, DEL with the pod's netns
// already gone, and interop with Debian's Go ptp (1.1.1: iptables masquerade only), both ways.

const ours = (cid: string) => `id: \\"${cid}\\"`;

describe.skipIf(!isRoot())('ptp: masquerade, vanished pods and the Go plugin', () => {
  let env: PtpEnv;
  beforeAll(() => {
    env = createPtpEnv('ptpm');
  });
  afterAll(() => {
    removeAllNamespaces();
    env?.dispose();
  });

  it('iptables: the reference\'s chain and rules for both families, checked, removed by DEL', async () => {
    const config = env.conf('mq', ['10.101.0.0/24', 'fd65::/64'], { ipMasq: true });
    const p = env.pod('ipt');
    const r = await env.run({ command: 'ADD', config, ...attach(p, 'mq-1') });
    expect(r.code, r.stdout).toBe(0);
    const v4 = env.natLines(ours('mq-1'));
    expect(v4).toHaveLength(3);
    expect(v4.find((l) => l.startsWith('-A POSTROUTING'))).toMatch(/^-A POSTROUTING -s 10\.101\.0\.2\/32 .*-j CNI-[0-9a-f]{24}$/);
    expect(v4.some((l) => l.includes('-d 10.101.0.0/24') && l.endsWith('-j ACCEPT'))).toBe(true);
    expect(v4.some((l) => l.includes('! -d 224.0.0.0/4') && l.endsWith('-j MASQUERADE'))).toBe(true);
    expect(env.natLines(ours('mq-1'), 6)).toHaveLength(3);
    const c = await env.run({ command: 'CHECK', config: { ...config, prevResult: r.json }, ...attach(p, 'mq-1') });
    expect(c.code, c.stdout).toBe(0);
    const d = await env.run({ command: 'DEL', config, ...attach(p, 'mq-1') });
    expect(d.code, d.stdout).toBe(0);
    expect([...env.natLines(ours('mq-1')), ...env.natLines(ours('mq-1'), 6)]).toEqual([]);
  });

  it('nftables: rules in the masquerade table, none in iptables, removed by DEL', async () => {
    const config = env.conf('mn', ['10.102.0.0/24'], { ipMasq: true, ipMasqBackend: 'nftables' });
    const p = env.pod('nft');
    const r = await env.run({ command: 'ADD', config, ...attach(p, 'mn-1') });
    expect(r.code, r.stdout).toBe(0);
    expect(env.nftMasqRules('id: mn-1')).toHaveLength(1);
    expect(JSON.stringify(env.nftMasqRules('id: mn-1'))).toContain('10.102.0.2');
    expect(env.natLines(ours('mn-1'))).toEqual([]);
    const c = await env.run({ command: 'CHECK', config: { ...config, prevResult: r.json }, ...attach(p, 'mn-1') });
    expect(c.code, c.stdout).toBe(0);
    expect((await env.run({ command: 'DEL', config, ...attach(p, 'mn-1') })).code).toBe(0);
    expect(env.nftMasqRules('id: mn-1')).toEqual([]);
  });

  it('DEL after the pod netns is gone removes the rules and the reservation (the host veth went with the netns)', async () => {
    const config = env.conf('gone', ['10.103.0.0/24'], { ipMasq: true });
    const p = env.pod('gone');
    const r = await env.run({ command: 'ADD', config, ...attach(p, 'gone-1') });
    expect(r.code, r.stdout).toBe(0);
    expect(env.natLines(ours('gone-1'))).toHaveLength(3);
    const netns = p.path;
    p.remove();
    const d = await env.run({ command: 'DEL', config: { ...config, prevResult: r.json }, containerId: 'gone-1', netns, ifname: 'eth0' });
    expect(d.code, d.stdout).toBe(0);
    expect(env.natLines(ours('gone-1'))).toEqual([]);
    expect(env.ipamFiles()).toEqual([]);
    expect(env.hostVeths()).toEqual([]);
    // and again, without prevResult and without CNI_NETNS
    const again = await env.run({ command: 'DEL', config, containerId: 'gone-1', netns: '', ifname: 'eth0' });
    expect(again.code, again.stdout).toBe(0);
  });

  it('GC removes the masquerade rules of attachments that are no longer valid', async () => {
    const config = { ...env.conf('mgc', ['10.104.0.0/24'], { ipMasq: true }), cniVersion: '1.1.0' };
    const p1 = env.pod('mg1');
    const p2 = env.pod('mg2');
    expect((await env.run({ command: 'ADD', config, ...attach(p1, 'mgc-1') })).code).toBe(0);
    expect((await env.run({ command: 'ADD', config, ...attach(p2, 'mgc-2') })).code).toBe(0);
    const g = await env.run({ command: 'GC', config: { ...config, 'cni.dev/valid-attachments': [{ containerID: 'mgc-2', ifname: 'eth0' }] } });
    expect(g.code, g.stdout).toBe(0);
    expect(env.natLines(ours('mgc-1'))).toEqual([]);
    expect(env.natLines(ours('mgc-2'))).toHaveLength(3);
    for (const [p, cid] of [[p1, 'mgc-1'], [p2, 'mgc-2']] as const) expect((await env.run({ command: 'DEL', config, ...attach(p, cid) })).code).toBe(0);
    expect(env.natLines(ours('mgc-2'))).toEqual([]);
  });

  describe.skipIf(!hasGoPlugin('ptp'))('with Debian\'s Go ptp', () => {
    it('our ADD, Go\'s DEL: the veth, the rules and the reservation go', async () => {
      const config = env.conf('i1', ['10.105.0.0/24'], { ipMasq: true });
      const p = env.pod('i1');
      const r = await env.run({ command: 'ADD', config, ...attach(p, 'i1-1') });
      expect(r.code, r.stdout).toBe(0);
      const goCheck = await env.run({ command: 'CHECK', config: { ...config, prevResult: r.json }, ...attach(p, 'i1-1') }, GO_PTP);
      expect(goCheck.code, goCheck.stdout).toBe(0);
      const d = await env.run({ command: 'DEL', config, ...attach(p, 'i1-1') }, GO_PTP);
      expect(d.code, d.stdout + d.stderr).toBe(0);
      expect(env.natLines(ours('i1-1'))).toEqual([]);
      expect(env.ipamFiles()).toEqual([]);
      expect(env.hostVeths()).toEqual([]);
      expect(ipJson<{ ifname: string }[]>(p, ['link', 'show']).map((l) => l.ifname)).toEqual(['lo']);
    });

    it('Go\'s ADD, our CHECK and DEL: the same routes and rules, all removed', async () => {
      const config = env.conf('i2', ['10.106.0.0/24'], { ipMasq: true });
      const p = env.pod('i2');
      const r = await env.run({ command: 'ADD', config, ...attach(p, 'i2-1') }, GO_PTP);
      expect(r.code, r.stdout).toBe(0);
      expect(env.natLines(ours('i2-1'))).toHaveLength(3);
      const c = await env.run({ command: 'CHECK', config: { ...config, prevResult: r.json }, ...attach(p, 'i2-1') });
      expect(c.code, c.stdout).toBe(0);
      const d = await env.run({ command: 'DEL', config, ...attach(p, 'i2-1') });
      expect(d.code, d.stdout).toBe(0);
      expect(env.natLines(ours('i2-1'))).toEqual([]);
      expect(env.ipamFiles()).toEqual([]);
      expect(env.hostVeths()).toEqual([]);
      expect(env.hostAddresses().filter((a) => a.startsWith('10.106.'))).toEqual([]);
    });
  });
});
