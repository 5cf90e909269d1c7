import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockTimeoutError, OperationLocks } from './operation-lock.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cnits-locks-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `ms` long, recording when it started and ended in `log`. */
function op(log: string[], name: string, ms: number, forget = false) {
  return async () => {
    log.push(`${name} start`);
    await sleep(ms);
    log.push(`${name} end`);
    return { value: name, forget };
  };
}

// Two OperationLocks open the lock files separately, as two processes do: flock conflicts
// between open file descriptions, within one process too.
const locks = (timeoutMs?: number) => new OperationLocks(dir, timeoutMs);

describe('OperationLocks', () => {
  it('serialises two operations on the same container and network', async () => {
    const log: string[] = [];
    const first = locks().withContainer('net', 'c1', undefined, op(log, 'ADD', 150));
    await sleep(20);
    const second = locks().withContainer('net', 'c1', undefined, op(log, 'DEL', 10));
    expect(await Promise.all([first, second])).toEqual(['ADD', 'DEL']);
    expect(log).toEqual(['ADD start', 'ADD end', 'DEL start', 'DEL end']);
  });

  it('lets operations on other containers, or the same container in another network, run at once', async () => {
    const log: string[] = [];
    await Promise.all([
      locks().withContainer('net', 'c1', undefined, op(log, 'a', 100)),
      locks().withContainer('net', 'c2', undefined, op(log, 'b', 100)),
      locks().withContainer('other', 'c1', undefined, op(log, 'c', 100)),
    ]);
    expect(log.slice(0, 3).sort()).toEqual(['a start', 'b start', 'c start']);
  });

  it('makes GC wait for the running operations of its network, and later operations wait for GC', async () => {
    const log: string[] = [];
    const add = locks().withContainer('net', 'c1', undefined, op(log, 'ADD', 120));
    await sleep(20);
    const gc = locks().withNetwork('net', undefined, async () => (await op(log, 'GC', 120)()).value);
    await sleep(40);
    const del = locks().withContainer('net', 'c2', undefined, op(log, 'DEL', 10));
    await Promise.all([add, gc, del]);
    expect(log).toEqual(['ADD start', 'ADD end', 'GC start', 'GC end', 'DEL start', 'DEL end']);
  });

  it('keeps the event loop running while it waits', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const first = locks().withContainer('net', 'c1', undefined, op([], 'a', 200));
    await sleep(10);
    await locks().withContainer('net', 'c1', undefined, op([], 'b', 0));
    clearInterval(timer);
    await first;
    expect(ticks).toBeGreaterThan(5);
  });

  it('fails with code 11 and a clear message when the holder keeps the lock past the timeout', async () => {
    const holder = locks().withContainer('net', 'c1', undefined, op([], 'ADD', 400));
    await sleep(20);
    const started = Date.now();
    const err = await locks(100)
      .withContainer('net', 'c1', undefined, op([], 'DEL', 0))
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(350);
    expect(err).toBeInstanceOf(LockTimeoutError);
    expect(err).toMatchObject({ code: 11 });
    expect((err as Error).message).toMatch(/another operation on container "c1" in network "net", or its GC, is still running after 100 ms \(it holds .*locks\/net\/c1\); try again later/);
    await holder;
  });

  it('stops waiting when the signal aborts', async () => {
    const holder = locks().withContainer('net', 'c1', undefined, op([], 'ADD', 300));
    await sleep(20);
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('cancelled by the caller')), 50);
    await expect(locks().withContainer('net', 'c1', ac.signal, op([], 'DEL', 0))).rejects.toThrow('cancelled by the caller');
    await holder;
  });

  it('creates its directories 0700 and removes a container lock file after a DEL, so 200 cycles leave none', async () => {
    for (let i = 0; i < 200; i++) {
      await locks().withContainer('net', `c${i}`, undefined, op([], 'ADD', 0));
      await locks().withContainer('net', `c${i}`, undefined, op([], 'DEL', 0, true));
    }
    expect(readdirSync(join(dir, 'locks', 'net')).sort()).toEqual(['.gate', '.network']);
    expect(statSync(join(dir, 'locks')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'locks', 'net')).mode & 0o777).toBe(0o700);
  });

  // (the race this guards across processes, a waiter locking a file its last holder unlinked, is
  // closed by the inode check in takeLock; within one process a try cannot interleave with it)
  it('keeps one holder at a time while every other DEL removes the lock file', async () => {
    const log: string[] = [];
    const running = new Set<string>();
    let overlaps = 0;
    const step = (name: string, forget: boolean) => async () => {
      if (running.size > 0) overlaps++;
      running.add(name);
      log.push(name);
      await sleep(5);
      running.delete(name);
      return { value: name, forget };
    };
    await Promise.all(Array.from({ length: 30 }, (_, i) => locks().withContainer('net', 'c1', undefined, step(`op${i}`, i % 2 === 1))));
    expect(log).toHaveLength(30);
    expect(overlaps).toBe(0);
  });

  it('removes the container lock files of its network after GC', async () => {
    await locks().withContainer('net', 'c1', undefined, op([], 'ADD', 0));
    await locks().withContainer('net', 'c2', undefined, op([], 'ADD', 0));
    await locks().withContainer('other', 'c3', undefined, op([], 'ADD', 0));
    await locks().withNetwork('net', undefined, async () => undefined);
    expect(readdirSync(join(dir, 'locks', 'net')).sort()).toEqual(['.gate', '.network']);
    expect(readdirSync(join(dir, 'locks', 'other')).sort()).toEqual(['.gate', '.network', 'c3']);
  });

  it('refuses a planted symlink where a lock file belongs, without following it', async () => {
    mkdirSync(join(dir, 'locks', 'net'), { recursive: true });
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'locks', 'net', 'c1'));
    await expect(locks().withContainer('net', 'c1', undefined, op([], 'ADD', 0))).rejects.toMatchObject({
      code: 5,
      msg: expect.stringContaining('locks/net/c1 is a symlink where a file was expected'),
    });
    expect(existsSync(join(dir, 'elsewhere'))).toBe(false);
  });

  it('refuses a lock directory that is a symlink', async () => {
    mkdirSync(join(dir, 'locks'));
    mkdirSync(join(dir, 'elsewhere'));
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'locks', 'net'));
    await expect(locks().withNetwork('net', undefined, async () => undefined)).rejects.toMatchObject({ code: 5 });
    expect(readdirSync(join(dir, 'elsewhere'))).toEqual([]);
  });
});
