import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, removeAllNamespaces } from '../../lib/testing/index.ts';
import { type BridgeEnv, attach, createBridgeEnv } from './test-env.ts';

// DEL in every situation a runtime produces, CHECK detecting tampering, GC and STATUS.

describe.skipIf(!isRoot())('bridge: DEL, CHECK, GC, STATUS', () => {
  let env: BridgeEnv;
  beforeAll(() => {
    env = createBridgeEnv('brlife');
  });
  afterAll(() => {
    removeAllNamespaces();
    env?.dispose();
  });

  let n = 0;
  /** ADD of a fresh pod on network `name` (own bridge and subnet). */
  async function added(name: string, extra: Record<string, unknown> = {}, ipam: Record<string, unknown> | null = {}) {
    const pod = env.pod(name);
    const cid = `${name}-${++n}`;
    const config = env.conf({ name, bridge: `br-${name}`, isGateway: true, ipMasq: true, ...extra }, ipam && { subnet: `10.81.${n}.0/24`, ...ipam });
    const r = await env.run({ command: 'ADD', config, ...attach(pod, cid) });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    return { pod, cid, config, result: r.json, hostVeth: r.json.interfaces[1].name as string };
  }
  const rulesOf = (cid: string) => [...env.natLines(`id: \\"${cid}\\"`), ...env.natLines(`id: \\"${cid}\\"`, 6)];

  describe('DEL', () => {
    it('with an empty CNI_NETNS still removes the masquerade rules (from prevResult) and releases the address', async () => {
      const a = await added('d1');
      expect(rulesOf(a.cid)).toHaveLength(3);
      const d = await env.run({ command: 'DEL', config: { ...a.config, prevResult: a.result }, containerId: a.cid, netns: '', ifname: 'eth0' });
      expect(d.code, d.stdout).toBe(0);
      expect(rulesOf(a.cid)).toEqual([]);
      expect(env.ipamFiles()).toEqual([]);
    });

    it('with a namespace that is gone still removes the rules and releases the address', async () => {
      const a = await added('d2');
      a.pod.remove();
      const d = await env.run({ command: 'DEL', config: { ...a.config, prevResult: a.result }, ...attach(a.pod, a.cid) });
      expect(d.code, d.stdout).toBe(0);
      expect(rulesOf(a.cid)).toEqual([]);
      expect(env.ipamFiles()).toEqual([]);
      expect(env.hostVeths()).not.toContain(a.hostVeth);
    });

    it('without netns and without prevResult finds the rules by owner', async () => {
      const a = await added('d3');
      const d = await env.run({ command: 'DEL', config: a.config, containerId: a.cid, netns: '', ifname: 'eth0' });
      expect(d.code, d.stdout).toBe(0);
      expect(rulesOf(a.cid)).toEqual([]);
      expect(env.ipamFiles()).toEqual([]);
    });

    it('with a CNI_NETNS that is not a namespace reports code 4, yet releases the address and the rules', async () => {
      const a = await added('d6');
      const notNs = join(env.pluginDir, 'not-a-netns');
      writeFileSync(notNs, '');
      const d = await env.run({ command: 'DEL', config: { ...a.config, prevResult: a.result }, containerId: a.cid, netns: notNs, ifname: 'eth0' });
      expect(d.json).toMatchObject({ code: 4 });
      expect(d.json.msg).toContain('not a network namespace');
      expect(rulesOf(a.cid)).toEqual([]);
      expect(env.ipamFiles()).toEqual([]);
    });

    it('is idempotent, also for a container never added', async () => {
      const a = await added('d4');
      for (let i = 0; i < 2; i++) {
        const d = await env.run({ command: 'DEL', config: a.config, ...attach(a.pod, a.cid) });
        expect(d.code, d.stdout).toBe(0);
      }
      expect(rulesOf(a.cid)).toEqual([]);
      const never = await env.run({ command: 'DEL', config: a.config, ...attach(a.pod, 'never-added') });
      expect(never.code, never.stdout).toBe(0);
      expect(never.stdout).toBe('');
    });

    it('does not remove another attachment of the same network', async () => {
      const a = await added('d5');
      const pod2 = env.pod('d5b');
      const r2 = await env.run({ command: 'ADD', config: a.config, ...attach(pod2, 'd5-other') });
      expect(r2.code, r2.stdout).toBe(0);
      const d = await env.run({ command: 'DEL', config: a.config, containerId: a.cid, netns: '', ifname: 'eth0' });
      expect(d.code, d.stdout).toBe(0);
      expect(rulesOf('d5-other')).toHaveLength(3);
      expect(pod2.tryExec(['ping', '-c', '1', '-W', '2', r2.json.ips[0].gateway]).code).toBe(0);
    });
  });

  describe('CHECK', () => {
    it('passes after ADD and fails once the host veth is gone', async () => {
      const a = await added('c1');
      const check = () => env.run({ command: 'CHECK', config: { ...a.config, prevResult: a.result }, ...attach(a.pod, a.cid) });
      expect((await check()).code).toBe(0);
      env.node.exec(['ip', 'link', 'del', a.hostVeth]);
      const bad = await check();
      expect(bad.code).toBe(1);
      expect(bad.json.msg).toMatch(/eth0|veth/);
    });

    it('fails once an address is removed, naming it', async () => {
      const a = await added('c2');
      a.pod.exec(['ip', 'addr', 'del', a.result.ips[0].address, 'dev', 'eth0']);
      const bad = await env.run({ command: 'CHECK', config: { ...a.config, prevResult: a.result }, ...attach(a.pod, a.cid) });
      expect(bad.code).toBe(1);
      expect(bad.json.msg).toContain(a.result.ips[0].address);
    });

    it('fails once a masquerade rule is removed', async () => {
      const a = await added('c3');
      const jump = env.natLines(`id: \\"${a.cid}\\"`).find((l) => l.startsWith('-A POSTROUTING')) ?? '';
      env.node.exec(['sh', '-c', `iptables -t nat ${jump.replace('-A ', '-D ')}`]);
      const bad = await env.run({ command: 'CHECK', config: { ...a.config, prevResult: a.result }, ...attach(a.pod, a.cid) });
      expect(bad.code).toBe(1);
      expect(bad.json.msg).toMatch(/POSTROUTING/);
    });

    it('requires a prevResult', async () => {
      const a = await added('c4');
      const bad = await env.run({ command: 'CHECK', config: a.config, ...attach(a.pod, a.cid) });
      expect(bad.json.msg).toBe('Required prevResult missing');
    });
  });

  describe('GC and STATUS (cniVersion 1.1.0, IPAM = recording-ipam)', () => {
    for (const backend of ['iptables', 'nftables'] as const) {
      it(`GC with ${backend} removes the rules of attachments not in the valid list, only in this network`, async () => {
        const a = await added(`g${backend[0]}`, { ipMasqBackend: backend });
        const pod2 = env.pod('g2');
        const b = await env.run({ command: 'ADD', config: a.config, ...attach(pod2, `${a.cid}-b`) });
        expect(b.code, b.stdout).toBe(0);
        const other = await added(`o${backend[0]}`, { ipMasqBackend: backend });
        const masqState = () => (backend === 'iptables' ? env.natLines('id: ').join('\n') : JSON.stringify(env.nft()));
        expect(masqState()).toContain(`${a.cid}-b`);
        const gcConf = { ...a.config, cniVersion: '1.1.0', ipam: { type: 'recording-ipam' }, 'cni.dev/valid-attachments': [{ containerID: a.cid, ifname: 'eth0' }] };
        const before = env.recorded().length;
        const gc = await env.run({ command: 'GC', config: gcConf });
        expect(gc.code, gc.stdout).toBe(0);
        expect(env.recorded().slice(before)).toEqual(['GC']);
        const after = masqState();
        expect(after).not.toContain(`${a.cid}-b`);
        expect(after).toContain(a.cid);
        expect(after).toContain(other.cid);
      });
    }

    it('GC removes the MAC spoof checks of attachments not in the valid list; the valid one and another network\'s stay', async () => {
      const a = await added('gm', { macspoofchk: true });
      const stale = `${a.cid}-b`;
      const b = await env.run({ command: 'ADD', config: a.config, ...attach(env.pod('gm2'), stale) });
      expect(b.code, b.stdout).toBe(0);
      // a pod whose namespace went away without DEL: its host veth is gone, its check is not
      const gone = `${a.cid}-c`;
      const c = await env.run({ command: 'ADD', config: a.config, ...attach(env.pod('gm3'), gone) });
      expect(c.code, c.stdout).toBe(0);
      env.node.exec(['ip', 'link', 'del', c.json.interfaces[1].name as string]);
      const other = await added('om', { macspoofchk: true });
      const spoofState = (cid: string) => {
        const listing = env.nft().nftables.filter((x) => (x.chain ?? x.rule)?.family === 'bridge');
        const chains = listing.map((x) => x.chain?.name).filter((name) => name === `cni-br-iface-${cid}-eth0` || name === `cni-br-iface-${cid}-eth0-mac`);
        return { chains: chains.length, rules: listing.filter((x) => x.rule?.comment === `macspoofchk-${cid}-eth0`).length };
      };
      for (const cid of [a.cid, stale, gone, other.cid]) expect(spoofState(cid)).toEqual({ chains: 2, rules: 4 });
      const gcConf = { ...a.config, cniVersion: '1.1.0', ipam: { type: 'recording-ipam' }, 'cni.dev/valid-attachments': [{ containerID: a.cid, ifname: 'eth0' }] };
      const gc = await env.run({ command: 'GC', config: gcConf });
      expect(gc.code, gc.stdout + gc.stderr).toBe(0);
      expect(spoofState(stale)).toEqual({ chains: 0, rules: 0 });
      expect(spoofState(gone)).toEqual({ chains: 0, rules: 0 });
      expect(spoofState(a.cid)).toEqual({ chains: 2, rules: 4 });
      // not in this network's valid list either, but its veth is a port of another bridge
      expect(spoofState(other.cid)).toEqual({ chains: 2, rules: 4 });
    });

    it('GC without a valid-attachments list removes nothing', async () => {
      const a = await added('g0');
      const gc = await env.run({ command: 'GC', config: { ...a.config, cniVersion: '1.1.0', ipam: { type: 'recording-ipam' } } });
      expect(gc.code, gc.stdout).toBe(0);
      expect(rulesOf(a.cid)).toHaveLength(3);
    });

    it('STATUS forwards to IPAM, and says 51 when masquerade has no usable firewall tool while pods of this node have rules (tests/status-51 has the 50/51 rule)', async () => {
      const conf = env.conf({ cniVersion: '1.1.0', ipMasq: true }, { type: 'recording-ipam' });
      const before = env.recorded().length;
      const ok = await env.run({ command: 'STATUS', config: conf });
      expect(ok.code, ok.stdout).toBe(0);
      expect(env.recorded().slice(before)).toEqual(['STATUS']);
      const noTools = env.withoutTools(['iptables', 'iptables-restore', 'nft']);
      const bad = await env.run({ command: 'STATUS', config: conf }, noTools);
      // the earlier tests' pods left masquerade rules in this node: existing pods are affected
      expect(bad.json).toMatchObject({ code: 51 });
      const noMasq = await env.run({ command: 'STATUS', config: { ...conf, ipMasq: false } }, noTools);
      expect(noMasq.code, noMasq.stdout).toBe(0);
      const onlyNft = await env.run({ command: 'STATUS', config: { ...conf, ipMasqBackend: 'nftables' } }, env.withoutTools(['nft']));
      expect(onlyNft.json).toMatchObject({ code: 51 }); // the GC tests' nftables pods are still there
    });

    it('STATUS passes an IPAM failure on', async () => {
      const conf = env.conf({ cniVersion: '1.1.0' }, { type: 'no-such-ipam' });
      const r = await env.run({ command: 'STATUS', config: conf });
      expect(r.code).toBe(1);
      expect(r.json.msg).toContain('no-such-ipam');
    });
  });
});
