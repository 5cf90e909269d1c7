import { describe, expect, it } from 'vitest';
import { tryLockNetnsMutex, withNetnsMutex } from './netns-mutex.ts';
import { closeFd } from './socket.ts';

// An abstract unix socket of this process, unique per run: nothing is created on disk, and the
// kernel frees the name when the socket closes.
const name = (what: string): string => `cni-ts-test/${process.pid}/${what}/${Math.random().toString(36).slice(2)}`;

describe('netns mutex', () => {
  it('has one holder at a time, and is free again once the holder closes it', () => {
    const n = name('one');
    const fd = tryLockNetnsMutex(n);
    expect(fd).toBeTypeOf('number');
    expect(tryLockNetnsMutex(n)).toBeUndefined();
    expect(tryLockNetnsMutex(name('other'))).toBeTypeOf('number'); // another name is another mutex
    closeFd(fd as number);
    const again = tryLockNetnsMutex(n);
    expect(again).toBeTypeOf('number');
    closeFd(again as number);
  });

  it('runs callers one after another, and releases on a throw', async () => {
    const n = name('turns');
    let inside = 0;
    let most = 0;
    const work = async (fail: boolean): Promise<string> => {
      inside++;
      most = Math.max(most, inside);
      await new Promise((r) => setTimeout(r, 15));
      inside--;
      if (fail) throw new Error('boom');
      return 'done';
    };
    const results = await Promise.allSettled([0, 1, 2, 3, 4].map((i) => withNetnsMutex(n, () => work(i === 1))));
    expect(most).toBe(1);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    const fd = tryLockNetnsMutex(n); // nobody holds it now
    expect(fd).toBeTypeOf('number');
    closeFd(fd as number);
  });

  it('gives up waiting after the timeout and runs anyway', async () => {
    const n = name('stuck');
    const held = tryLockNetnsMutex(n) as number;
    try {
      const started = Date.now();
      expect(await withNetnsMutex(n, async () => 'ran', 60)).toBe('ran');
      expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    } finally {
      closeFd(held);
    }
  });

  it('refuses a name that does not fit sun_path', () => {
    expect(() => tryLockNetnsMutex('')).toThrow(TypeError);
    expect(() => tryLockNetnsMutex('x'.repeat(108))).toThrow(TypeError);
  });
});
