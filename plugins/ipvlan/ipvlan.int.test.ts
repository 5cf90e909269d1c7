import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildEnv, GO, MASTER, OURS, attach, createChildEnv, linkDetails, ping } from '../../lib/testing/child-env.ts';
import { createNamespace, hasGoPlugin, isRoot, removeAllNamespaces } from '../../lib/testing/index.ts';

// ipvlan against the real kernel. This machine's kernel has no ipvlan (CONFIG_IPVLAN unset, no
// modules), so what is proven here is the plugin's answer to that: a 999 naming the missing
// feature, with nothing changed and no address held. The tests of working ipvlan links run only
// on a kernel that has it, and skip here with the reason (the messages are proven against the
// fake kernel in lib/netlink/child-link.test.ts and lib/link/child-link.test.ts).

/** Whether this kernel can create an ipvlan, tried in a throwaway namespace; the reason when not. */
function probeIpvlan(): { ok: boolean; reason: string } {
  if (!isRoot()) return { ok: false, reason: 'not root' };
  const ns = createNamespace('ipvprobe');
  try {
    ns.exec(['ip', 'link', 'add', 'pr0', 'type', 'veth', 'peer', 'name', 'pr0p']);
    const r = ns.tryExec(['ip', 'link', 'add', 'ipv0', 'link', 'pr0', 'type', 'ipvlan', 'mode', 'l2']);
    return r.code === 0 ? { ok: true, reason: '' } : { ok: false, reason: `the kernel has no ipvlan (CONFIG_IPVLAN): ${r.stderr.trim()}` };
  } finally {
    ns.remove();
  }
}

const KERNEL_LACKS = 'the kernel has no ipvlan support (CONFIG_IPVLAN, module ipvlan)';

describe.skipIf(!isRoot())('ipvlan on the real kernel', () => {
  let env: ChildEnv;
  let ipvlan: { ok: boolean; reason: string };
  beforeAll(() => {
    ipvlan = probeIpvlan();
    env = createChildEnv('ipv');
  });
  afterAll(() => {
    removeAllNamespaces();
    env?.dispose();
  });

  it('without kernel support: ADD is a 999 naming the missing feature; nothing changed, no address held; DEL succeeds', async (ctx) => {
    if (ipvlan.ok) ctx.skip('the kernel has ipvlan');
    const config = env.conf('ipvlan', 'ipvnone', '10.71.0.0/24');
    const p = env.pod('none');
    const r = await env.run(OURS.ipvlan, { command: 'ADD', config, ...attach(p, 'none-1') });
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 999, msg: KERNEL_LACKS });
    expect(env.links(p)).toEqual(['lo']);
    expect(env.links(env.node).sort()).toEqual(['lo', MASTER, `${MASTER}p`].sort());
    expect(env.ipamFiles('ipvnone')).toEqual([]); // the link is made before IPAM runs
    expect((await env.run(OURS.ipvlan, { command: 'DEL', config, ...attach(p, 'none-1') })).code).toBe(0);
  });

  it('bad input is code 7 before the kernel is asked (so also on a kernel without ipvlan)', async () => {
    const p = env.pod('bad');
    for (const [extra, msg] of [
      [{ master: 'lo' }, 'invalid master "lo"'],
      [{ master: 'nosuch0' }, 'invalid master "nosuch0"'],
      [{ mtu: 1501 }, 'invalid mtu 1501'],
      [{ mode: 'bridge' }, 'invalid mode "bridge"'],
      [{ ipam: { type: '' } }, 'invalid ipam.type ""'],
    ] as const) {
      const r = await env.run(OURS.ipvlan, { command: 'ADD', config: env.conf('ipvlan', 'ipvbad', '10.72.0.0/24', extra), ...attach(p, 'bad-1') });
      expect(r.json, JSON.stringify(extra)).toMatchObject({ code: 7, msg });
    }
    expect(env.links(p)).toEqual(['lo']);
    expect(env.ipamFiles('ipvbad')).toEqual([]);
  });

  it('chained after a plugin with addresses and no ipam: the same kernel answer (and the master from prevResult)', async (ctx) => {
    if (ipvlan.ok) ctx.skip('the kernel has ipvlan');
    const prevResult = { cniVersion: '1.0.0', interfaces: [{ name: MASTER }], ips: [{ address: '10.73.0.5/24', gateway: '10.73.0.1', interface: 0 }] };
    const config = { cniVersion: '1.0.0', name: 'ipvchain', type: 'ipvlan', prevResult };
    const p = env.pod('chain');
    const r = await env.run(OURS.ipvlan, { command: 'ADD', config, ...attach(p, 'chain-1') });
    expect(r.json).toMatchObject({ code: 999, msg: KERNEL_LACKS });
    const two = await env.run(OURS.ipvlan, { command: 'ADD', config: { ...config, prevResult: { ...prevResult, interfaces: [{ name: 'a' }, { name: 'b' }] } }, ...attach(p, 'chain-1') });
    expect(two.json).toMatchObject({ code: 7, msg: 'chained master failure: prevResult lacks a single named interface' });
  });

  it.skipIf(!hasGoPlugin('ipvlan'))('Debian\'s Go ipvlan fails on this kernel too (EOPNOTSUPP), leaving the pod as it was', async (ctx) => {
    if (ipvlan.ok) ctx.skip('the kernel has ipvlan');
    const config = env.conf('ipvlan', 'ipvgo', '10.74.0.0/24');
    const p = env.pod('gofail');
    const r = await env.run(GO.ipvlan, { command: 'ADD', config, ...attach(p, 'go-1') });
    expect(r.code).toBe(1);
    expect(r.json.msg).toMatch(/operation not supported/);
    expect(env.links(p)).toEqual(['lo']);
  });

  it('l2 mode: two pods on one master reach each other; CHECK; DEL leaves nothing (needs a kernel with ipvlan)', async (ctx) => {
    if (!ipvlan.ok) ctx.skip(ipvlan.reason);
    const config = env.conf('ipvlan', 'ipvl2', '10.75.0.0/24');
    const p1 = env.pod('a');
    const p2 = env.pod('b');
    const r1 = await env.run(OURS.ipvlan, { command: 'ADD', config, ...attach(p1, 'l2-1') });
    const r2 = await env.run(OURS.ipvlan, { command: 'ADD', config, ...attach(p2, 'l2-2') });
    expect(r1.code, r1.stdout).toBe(0);
    expect(r2.code, r2.stdout).toBe(0);
    expect(linkDetails(p1, 'eth0')).toMatchObject({ kind: 'ipvlan', mode: 'l2' });
    expect(ping(p1, String(r2.json.ips[0].address).split('/')[0] ?? '')).toBe(0);
    const c = await env.run(OURS.ipvlan, { command: 'CHECK', config: { ...config, prevResult: r1.json }, ...attach(p1, 'l2-1') });
    expect(c.code, c.stdout).toBe(0);
    const wrongMode = await env.run(OURS.ipvlan, { command: 'CHECK', config: { ...config, mode: 'l3', prevResult: r1.json }, ...attach(p1, 'l2-1') });
    expect(wrongMode.json.msg).toBe('container ipvlan mode l2 does not match the configured l3');
    for (const [p, cid] of [[p1, 'l2-1'], [p2, 'l2-2']] as const) expect((await env.run(OURS.ipvlan, { command: 'DEL', config, ...attach(p, cid) })).code).toBe(0);
    expect(env.links(p1)).toEqual(['lo']);
    expect(env.ipamFiles('ipvl2')).toEqual([]);
  });

  it('interop with Debian\'s Go ipvlan both ways (needs a kernel with ipvlan)', async (ctx) => {
    if (!ipvlan.ok) ctx.skip(ipvlan.reason);
    if (!hasGoPlugin('ipvlan')) ctx.skip('no /usr/lib/cni/ipvlan');
    const config = env.conf('ipvlan', 'ipvgo2', '10.76.0.0/24', { mode: 'l3' });
    const p = env.pod('go');
    const ours = await env.run(OURS.ipvlan, { command: 'ADD', config, ...attach(p, 'go-1') });
    expect(ours.code, ours.stdout).toBe(0);
    expect((await env.run(GO.ipvlan, { command: 'CHECK', config: { ...config, prevResult: ours.json }, ...attach(p, 'go-1') })).code).toBe(0);
    expect((await env.run(GO.ipvlan, { command: 'DEL', config, ...attach(p, 'go-1') })).code).toBe(0);
    const go = await env.run(GO.ipvlan, { command: 'ADD', config, ...attach(p, 'go-2') });
    expect(go.code, go.stdout).toBe(0);
    expect((await env.run(OURS.ipvlan, { command: 'CHECK', config: { ...config, prevResult: go.json }, ...attach(p, 'go-2') })).code).toBe(0);
    expect((await env.run(OURS.ipvlan, { command: 'DEL', config, ...attach(p, 'go-2') })).code).toBe(0);
    expect(env.links(p)).toEqual(['lo']);
    expect(env.ipamFiles('ipvgo2')).toEqual([]);
  });
});
