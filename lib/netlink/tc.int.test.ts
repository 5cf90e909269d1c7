/**
 * Kernel tests of the tc messages: tbf qdiscs (with a bucket in ticks, and in bytes), the
 * ingress qdisc and its redirect filter, and ifb links, read back both by our dump and by tc.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TC_H_INGRESS, TC_H_ROOT, addQdisc, addRedirectFilter, createIfb, createVeth, deleteQdisc, listQdiscs, tbfOptions, tcHandle } from './index.ts';
import type { NetlinkSocket } from './socket.ts';
import { type NamespacePair, ipJson, isRoot, namespacePairNames, openNamespacePair, removeNamespacePair, thrown } from './test-namespaces.ts';

const { H, C } = namespacePairNames();
let pair: NamespacePair | undefined;
let host: NetlinkSocket;

const tc = (...args: string[]) => execFileSync('ip', ['netns', 'exec', H, 'tc', ...args], { encoding: 'utf8' });

describe.skipIf(!isRoot)('lib/netlink tc against the kernel', () => {
  beforeAll(() => {
    pair = openNamespacePair(H, C);
    ({ host } = pair);
    createVeth(host, { name: 'tv0', peer: { name: 'tv1' } });
    execFileSync('ip', ['-n', H, 'link', 'set', 'tv0', 'up']);
  });
  afterAll(() => removeNamespacePair(H, C, pair));

  it('creates an ifb up with the MTU and queue length asked for', () => {
    const ifb = createIfb(host, { name: 'tifb0', mtu: 1400, txQueueLen: 0, up: true });
    expect([ifb.kind, ifb.mtu, ifb.txQueueLen, ifb.up]).toEqual(['ifb', 1400, 0, true]);
    expect(thrown(() => createIfb(host, { name: 'tifb0' })).code).toBe('EEXIST');
  });

  it('adds a tbf that tc reads as asked, refuses a second one, and deletes it', () => {
    const [veth] = ipJson<{ ifindex: number }>(H, 'link', 'show', 'tv0');
    const ifindex = veth?.ifindex ?? 0;
    const tbf = { rate: 125000, limit: 35893, buffer: 4096000 };
    addQdisc(host, { ifindex, handle: tcHandle(1, 0), parent: TC_H_ROOT, kind: 'tbf', options: tbfOptions(tbf) });
    expect(tc('qdisc', 'show', 'dev', 'tv0')).toContain('rate 1Mbit burst 32Kb lat 25ms');
    expect(listQdiscs(host, ifindex).find((q) => q.kind === 'tbf')?.tbf).toEqual(tbf);
    expect(thrown(() => addQdisc(host, { ifindex, handle: tcHandle(1, 0), parent: TC_H_ROOT, kind: 'tbf', options: tbfOptions(tbf) })).code).toBe('EEXIST');
    expect(deleteQdisc(host, ifindex, TC_H_ROOT, tcHandle(1, 0))).toBe(true);
    expect(listQdiscs(host, ifindex).some((q) => q.kind === 'tbf')).toBe(false);
    expect(deleteQdisc(host, ifindex, TC_H_ROOT, tcHandle(1, 0))).toBe(false);
  });

  it('takes a bucket in bytes (TCA_TBF_BURST) and reports its time in ticks', () => {
    const [veth] = ipJson<{ ifindex: number }>(H, 'link', 'show', 'tv0');
    const ifindex = veth?.ifindex ?? 0;
    addQdisc(host, { ifindex, handle: tcHandle(1, 0), parent: TC_H_ROOT, kind: 'tbf', options: tbfOptions({ rate: 125000, limit: 100000, buffer: 0, burst: 65536 }) });
    const got = listQdiscs(host, ifindex).find((q) => q.kind === 'tbf')?.tbf;
    expect(got?.buffer).toBe(8192000); // 65536 B at 125000 B/s = 524288 µs = 8192000 ticks
    expect(deleteQdisc(host, ifindex, TC_H_ROOT, tcHandle(1, 0))).toBe(true);
  });

  it('adds an ingress qdisc and a filter redirecting everything to the ifb, as tc shows it', () => {
    const [veth] = ipJson<{ ifindex: number }>(H, 'link', 'show', 'tv0');
    const [ifb] = ipJson<{ ifindex: number }>(H, 'link', 'show', 'tifb0');
    const ifindex = veth?.ifindex ?? 0;
    addQdisc(host, { ifindex, handle: tcHandle(0xffff, 0), parent: TC_H_INGRESS, kind: 'ingress' });
    addRedirectFilter(host, { ifindex, parent: tcHandle(0xffff, 0), priority: 1, redirectTo: ifb?.ifindex ?? 0 });
    const filters = tc('filter', 'show', 'dev', 'tv0', 'ingress');
    expect(filters).toContain('filter parent ffff: protocol all pref 1 u32');
    expect(filters).toContain('match 00000000/00000000 at 0');
    expect(filters).toContain('mirred (Egress Redirect to device tifb0) stolen');
    expect(deleteQdisc(host, ifindex, TC_H_INGRESS, tcHandle(0xffff, 0))).toBe(true);
    expect(tc('filter', 'show', 'dev', 'tv0', 'ingress')).toBe('');
  });
});
