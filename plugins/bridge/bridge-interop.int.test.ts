import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestNamespace, ipJson, isRoot, removeAllNamespaces } from '../../lib/testing/index.ts';
import { type BridgeEnv, GO_BRIDGE, OUR_BRIDGE, attach, createBridgeEnv } from './test-env.ts';

// In-place upgrade and downgrade: Debian's Go bridge (1.1.1, cniVersion 1.0.0) and ours share
// one node, and either one's DEL removes what the other's ADD made.

describe.skipIf(!isRoot() || !existsSync(GO_BRIDGE))('bridge: interop with the Go plugin', () => {
  let env: BridgeEnv;
  const config = () => env.conf({ name: 'interop', bridge: 'br-io', isGateway: true, ipMasq: true }, { subnet: '10.86.0.0/24', routes: [{ dst: '0.0.0.0/0' }] });
  beforeAll(() => {
    env = createBridgeEnv('brio');
  });
  afterAll(() => {
    removeAllNamespaces();
    env?.dispose();
  });

  function expectGone(pod: TestNamespace, cid: string, hostVeth: string): void {
    expect(ipJson<{ ifname: string }[]>(pod, ['link', 'show']).map((l) => l.ifname)).toEqual(['lo']);
    expect(env.hostVeths()).not.toContain(hostVeth);
    expect(env.natLines(`id: \\"${cid}\\"`)).toEqual([]);
    expect(env.natLines(':CNI-')).toEqual([]); // no chain left over
    expect(env.ipamFiles()).toEqual([]);
  }

  /** The pod's nat rules with its address and chain name blanked, to compare shapes. */
  function ruleShapes(cid: string, ip: string): string[] {
    return env.natLines(`id: \\"${cid}\\"`).map((l) => l.replace(ip, 'IP').replace(/CNI-[0-9a-f]{24}/, 'CHAIN'));
  }

  it('ADD by Go, DEL by ours removes the veth, the rules and the reservation', async () => {
    const pod = env.pod('go1');
    const add = await env.run({ command: 'ADD', config: config(), ...attach(pod, 'io-go1') }, GO_BRIDGE);
    expect(add.code, add.stdout).toBe(0);
    expect(env.natLines('id: \\"io-go1\\"')).toHaveLength(3);
    const check = await env.run({ command: 'CHECK', config: { ...config(), prevResult: add.json }, ...attach(pod, 'io-go1') });
    expect(check.code, check.stdout).toBe(0);
    const del = await env.run({ command: 'DEL', config: config(), ...attach(pod, 'io-go1') });
    expect(del.code, del.stdout).toBe(0);
    expectGone(pod, 'io-go1', add.json.interfaces[1].name);
  });

  it('ADD by ours, DEL by Go removes the same', async () => {
    const pod = env.pod('ts1');
    const add = await env.run({ command: 'ADD', config: config(), ...attach(pod, 'io-ts1') });
    expect(add.code, add.stdout).toBe(0);
    const del = await env.run({ command: 'DEL', config: config(), ...attach(pod, 'io-ts1') }, GO_BRIDGE);
    expect(del.code, del.stdout).toBe(0);
    expectGone(pod, 'io-ts1', add.json.interfaces[1].name);
  });

  it('both write the same rules for the same attachment, and their pods share one bridge', async () => {
    const goPod = env.pod('go2');
    const tsPod = env.pod('ts2');
    const go = await env.run({ command: 'ADD', config: config(), ...attach(goPod, 'io-same') }, GO_BRIDGE);
    expect(go.code, go.stdout).toBe(0);
    const goIp = (go.json.ips[0].address as string).split('/')[0] as string;
    const goShapes = ruleShapes('io-same', goIp);
    const ours = await env.run({ command: 'ADD', config: config(), ...attach(tsPod, 'io-ours') });
    expect(ours.code, ours.stdout).toBe(0);
    const ourIp = (ours.json.ips[0].address as string).split('/')[0] as string;
    expect(ruleShapes('io-ours', ourIp).map((l) => l.replaceAll('io-ours', 'io-same'))).toEqual(goShapes);
    expect(ours.json.interfaces[0].mac).toBe(go.json.interfaces[0].mac);
    expect(tsPod.tryExec(['ping', '-c', '1', '-W', '2', goIp]).code).toBe(0);
    expect(goPod.tryExec(['ping', '-c', '1', '-W', '2', ourIp]).code).toBe(0);
    for (const [pod, cid, bin] of [[goPod, 'io-same', OUR_BRIDGE], [tsPod, 'io-ours', GO_BRIDGE]] as const) {
      const del = await env.run({ command: 'DEL', config: config(), ...attach(pod, cid) }, bin);
      expect(del.code, del.stdout).toBe(0);
    }
    expect(env.natLines('id: ')).toEqual([]);
    expect(env.ipamFiles()).toEqual([]);
  });

  it('a bridge the Go plugin made and then emptied (its MAC reset to zero) is reused by our ADD', async () => {
    const goConf = env.conf({ name: 'interop2', bridge: 'br-io2', isGateway: true }, { subnet: '10.87.0.0/24' });
    const pod = env.pod('go3');
    const go = await env.run({ command: 'ADD', config: goConf, ...attach(pod, 'io-go3') }, GO_BRIDGE);
    expect(go.code, go.stdout).toBe(0);
    const goDel = await env.run({ command: 'DEL', config: goConf, ...attach(pod, 'io-go3') }, GO_BRIDGE);
    expect(goDel.code, goDel.stdout).toBe(0);
    const ours = await env.run({ command: 'ADD', config: goConf, ...attach(pod, 'io-ts3') });
    expect(ours.code, ours.stdout).toBe(0);
    expect(ours.json.interfaces[0].mac).not.toBe('00:00:00:00:00:00');
    expect(pod.tryExec(['ping', '-c', '1', '-W', '2', '10.87.0.1']).code).toBe(0);
    const del = await env.run({ command: 'DEL', config: goConf, ...attach(pod, 'io-ts3') });
    expect(del.code, del.stdout).toBe(0);
  });

  it('macspoofchk: either implementation removes the check the other made', async () => {
    const spoofConf = env.conf({ name: 'interop3', bridge: 'br-io3', macspoofchk: true }, { subnet: '10.89.0.0/24' });
    const ours = () => JSON.stringify(env.nft().nftables.filter((x) => x.rule?.comment?.startsWith('macspoofchk-io-s') || x.chain?.name?.startsWith('cni-br-iface-io-s')));
    for (const [cid, addBin, delBin] of [['io-s1', GO_BRIDGE, OUR_BRIDGE], ['io-s2', OUR_BRIDGE, GO_BRIDGE]] as const) {
      const pod = env.pod(cid);
      const add = await env.run({ command: 'ADD', config: spoofConf, ...attach(pod, cid) }, addBin);
      expect(add.code, add.stdout).toBe(0);
      const chains = env.nft().nftables.filter((x) => x.chain?.name?.startsWith(`cni-br-iface-${cid}`)).map((x) => x.chain.name).sort();
      expect(chains).toEqual([`cni-br-iface-${cid}-eth0`, `cni-br-iface-${cid}-eth0-mac`]);
      const del = await env.run({ command: 'DEL', config: spoofConf, ...attach(pod, cid) }, delBin);
      expect(del.code, del.stdout).toBe(0);
      expect(ours()).toBe('[]');
    }
  });
});
