import { describe, expect, it } from 'vitest';
import { goTbf, ifbName, resultWithIfb, tbfMismatch, tbfParams } from './plan.ts';

describe('ifbName', () => {
  it('is "bwp" and the SHA-512 of network + container ID, as Go\'s (observed: bwp47932cc1a17a)', () => {
    expect(ifbName('refxptp', 'refx1')).toBe('bwp47932cc1a17a');
    expect(ifbName('net', 'c1')).toHaveLength(15);
  });
});

describe('tbf numbers', () => {
  it('are Go\'s when nothing overflows: 1 Mbit/s, 32 KiB burst (tc: buffer 4096000, limit 35893)', () => {
    const s = { rateBits: 1000000, burstBits: 32768 * 8 };
    expect(goTbf(s)).toEqual({ rate: 125000, limit: 35893, buffer: 4096000 });
    expect(tbfParams(s)).toEqual(goTbf(s));
  });

  it('reproduce Go\'s overflow with containerd\'s burst (2^32-1 bits at 1 Mbit/s: tc shows burst 21474835b)', () => {
    const s = { rateBits: 1000000, burstBits: 4294967295 };
    const go = goTbf(s);
    expect(go.buffer).toBe(2684354435);
    // what tc prints: buffer ticks back to bytes at the rate
    expect(Math.round((go.buffer / 15.625 / 1e6) * 125000)).toBe(21474835);
  });

  it('send the bucket in bytes instead where Go\'s ticks would wrap', () => {
    const s = { rateBits: 1000000, burstBits: 4294967295 };
    const ours = tbfParams(s);
    expect(ours.burst).toBe(536870911);
    expect(ours.rate).toBe(125000);
    expect(ours.limit).toBe(536870911 + 3125);
  });

  it('cap the limit instead of wrapping it (CRI-O\'s burst of 4 GiB - 1 bit)', () => {
    const s = { rateBits: 10000000, burstBits: 34359738359 };
    expect(goTbf(s).limit).toBeLessThan(1000000); // wrapped: a queue of a few bytes
    expect(tbfParams(s).limit).toBe(2 ** 32 - 1);
  });

  it('accept ours, Go\'s and the kernel\'s recomputed bucket, and name what differs', () => {
    const s = { rateBits: 1000000, burstBits: 4294967295 };
    const go = goTbf(s);
    expect(tbfMismatch(go, s)).toBeUndefined();
    expect(tbfMismatch({ ...tbfParams(s), buffer: go.buffer + 20 }, s)).toBeUndefined();
    expect(tbfMismatch({ ...go, rate: 250000 }, s)).toBe('rate is 2000000 bit/s, configured 1000000');
    expect(tbfMismatch({ ...go, limit: 5 }, s)).toContain('limit is 5 bytes');
    const small = { rateBits: 1000000, burstBits: 262144 };
    expect(tbfMismatch({ ...goTbf(small), buffer: 4096001 }, small)).toContain('bucket is 4096001 ticks');
  });
});

describe('resultWithIfb', () => {
  it('appends the ifb without a sandbox, and leaves prevResult alone otherwise', () => {
    const prev = { cniVersion: '1.0.0', interfaces: [{ name: 'veth1' }, { name: 'eth0', sandbox: '/run/netns/p' }] };
    expect(resultWithIfb(prev, { name: 'bwp1', mac: '02:00:00:00:00:01' }).interfaces).toEqual([...prev.interfaces, { name: 'bwp1', mac: '02:00:00:00:00:01' }]);
    expect(resultWithIfb(prev, undefined)).toBe(prev);
  });
});
