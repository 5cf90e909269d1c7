import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestNamespace, ipJson, isRoot, removeAllNamespaces } from '../../lib/testing/index.ts';
import { type BridgeEnv, attach, createBridgeEnv } from './test-env.ts';

// A failed ADD leaves nothing behind: no veth on either side, no masquerade or MAC-spoof
// rules, no IPAM reservation. And its errors say what to do.

describe.skipIf(!isRoot())('bridge: failed ADDs', () => {
  let env: BridgeEnv;
  beforeAll(() => {
    env = createBridgeEnv('brfail');
  });
  afterAll(() => {
    removeAllNamespaces();
    env?.dispose();
  });

  /** Asserts that nothing of `cid` exists: pod holds only lo, no host veth, no rules, no IP files. */
  function expectNothingLeft(pod: TestNamespace, cid: string, vethsBefore: readonly string[]): void {
    expect(ipJson<{ ifname: string }[]>(pod, ['link', 'show']).map((l) => l.ifname)).toEqual(['lo']);
    expect(env.hostVeths().filter((v) => !vethsBefore.includes(v))).toEqual([]);
    expect(env.natLines(`id: \\"${cid}\\"`)).toEqual([]);
    expect(env.natLines(`id: \\"${cid}\\"`, 6)).toEqual([]);
    expect(JSON.stringify(env.nft())).not.toContain(cid);
    expect(env.ipamFiles()).toEqual([]);
  }

  async function failAdd(cid: string, config: Record<string, unknown>, binary?: string) {
    const pod = env.pod(cid);
    const before = env.hostVeths();
    const r = await env.run({ command: 'ADD', config, ...attach(pod, cid) }, binary);
    expect(r.code, r.stdout).toBe(1);
    expectNothingLeft(pod, cid, before);
    return r.json as { code: number; msg: string; details?: string };
  }

  it('an IPAM plugin that fails: its error is passed on and nothing is left', async () => {
    const err = await failAdd('f-ipam', env.conf({ name: 'f1', bridge: 'br-f1', ipMasq: true, macspoofchk: true }, { type: 'failing-ipam' }));
    expect(err).toMatchObject({ code: 11, msg: 'no addresses left, on purpose' });
  });

  it('an IPAM plugin that returns no address: a clear error, IPAM DEL, nothing left', async () => {
    const err = await failAdd('f-empty', env.conf({ name: 'f2', bridge: 'br-f2', ipMasq: true }, { type: 'empty-ipam' }));
    expect(err.msg).toMatch(/IPAM plugin "empty-ipam" returned no IP addresses/);
  });

  it('a gateway address conflict names the address and forceAddress; the reservation is released', async () => {
    env.node.exec(['ip', 'link', 'add', 'br-f3', 'type', 'bridge']);
    env.node.exec(['ip', 'addr', 'add', '10.79.0.254/24', 'dev', 'br-f3']);
    const config = env.conf({ name: 'f3', bridge: 'br-f3', isGateway: true, ipMasq: true }, { subnet: '10.79.0.0/24' });
    const err = await failAdd('f-gw', config);
    expect(err.msg).toContain('10.79.0.254/24');
    expect(`${err.msg} ${err.details}`).toContain('forceAddress');
    // forceAddress replaces the old address
    const pod = env.pod('f-gw2');
    const ok = await env.run({ command: 'ADD', config: { ...config, forceAddress: true }, ...attach(pod, 'f-gw2') });
    expect(ok.code, ok.stdout).toBe(0);
    const on = ipJson<{ addr_info: { local: string; prefixlen: number }[] }[]>(env.node, ['-4', 'addr', 'show', 'dev', 'br-f3'])[0]?.addr_info;
    expect(on?.map((a) => `${a.local}/${a.prefixlen}`)).toEqual(['10.79.0.1/24']);
    const d = await env.run({ command: 'DEL', config, ...attach(pod, 'f-gw2') });
    expect(d.code, d.stdout).toBe(0);
  });

  it('a link with the bridge name that is not a bridge: code 7 naming it; nothing left', async () => {
    env.node.exec(['ip', 'link', 'add', 'br-f4', 'type', 'veth', 'peer', 'name', 'br-f4p']);
    const err = await failAdd('f-notbr', env.conf({ name: 'f4', bridge: 'br-f4', ipMasq: true }));
    expect(err.code).toBe(7);
    expect(err.msg).toContain('"br-f4" already exists but is not a bridge');
  });

  it('a vlan out of range is refused at parse time with code 7', async () => {
    const pod = env.pod('f-vlan');
    for (const bad of [{ vlan: 5000 }, { vlan: -1 }, { vlanTrunk: [{ id: 4095 }] }, { vlanTrunk: [{ minID: 10 }] }, { vlanTrunk: [{ minID: 20, maxID: 10 }] }]) {
      const r = await env.run({ command: 'ADD', config: env.conf({ name: 'f5', bridge: 'br-f5', ...bad }), ...attach(pod, 'f-vlan') });
      expect(r.json.code, JSON.stringify(bad)).toBe(7);
      expect(r.json.msg).toMatch(/vlan/i);
    }
    expect(env.ipamFiles()).toEqual([]);
  });

  it('a failure after the masquerade rules were added removes them too (macspoofchk without nft)', async () => {
    const config = env.conf({ name: 'f6', bridge: 'br-f6', ipMasq: true, ipMasqBackend: 'iptables', macspoofchk: true }, { subnet: '10.79.6.0/24' });
    const err = await failAdd('f-late', config, env.withoutTools(['nft']));
    expect(err.msg).toMatch(/nft/);
  });

  it('ADD when CNI_IFNAME already exists fails without touching the existing attachment', async () => {
    const pod = env.pod('f-twice');
    const config = env.conf({ name: 'f7', bridge: 'br-f7', ipMasq: true }, { subnet: '10.79.7.0/24' });
    const first = await env.run({ command: 'ADD', config, ...attach(pod, 'f-twice') });
    expect(first.code, first.stdout).toBe(0);
    const second = await env.run({ command: 'ADD', config, ...attach(pod, 'f-twice') });
    expect(second.json.msg).toContain('container veth name provided (eth0) already exists');
    expect(env.ipamFiles()).toEqual(['f7/10.79.7.2']);
    expect(env.natLines('id: \\"f-twice\\"')).toHaveLength(3);
    const d = await env.run({ command: 'DEL', config, ...attach(pod, 'f-twice') });
    expect(d.code, d.stdout).toBe(0);
    expectNothingLeft(pod, 'f-twice', env.hostVeths());
  });

  it('reference bug 4.1: an ADD failing after the bridge was made, its DEL, then a good ADD and its DEL all work', async () => {
    const pod = env.pod('dup3');
    const bad = env.conf({ name: 'cnianchor-err', bridge: 'br-err', isGateway: true, ipMasq: true }, { subnet: '10.203.0.0/33' });
    const r1 = await env.run({ command: 'ADD', config: bad, ...attach(pod, 'dup3') });
    expect(r1.json.msg).toContain('10.203.0.0/33');
    expect(ipJson(env.node, ['link', 'show', 'master', 'br-err'])).toEqual([]); // the bridge exists, empty
    await env.run({ command: 'DEL', config: bad, ...attach(pod, 'dup3') }); // host-local may reject the bad config
    const good = env.conf({ name: 'cnianchor-err', bridge: 'br-err', isGateway: true, ipMasq: true }, { subnet: '10.203.0.0/16' });
    const r2 = await env.run({ command: 'ADD', config: good, ...attach(pod, 'dup3') });
    expect(r2.code, r2.stdout).toBe(0);
    expect(env.natLines('-j CNI-4ba3d2f183104377c3e43ddb')).toHaveLength(1); // the golden chain name
    expect(pod.tryExec(['ping', '-c', '1', '-W', '2', '10.203.0.1']).code).toBe(0);
    const d = await env.run({ command: 'DEL', config: good, ...attach(pod, 'dup3') });
    expect(d.code, d.stdout).toBe(0);
    expectNothingLeft(pod, 'dup3', env.hostVeths());
  });
});
