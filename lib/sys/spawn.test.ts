import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SysError } from './errors.ts';
import type { ProcessOutcome } from './child-outcome.ts';
import { startProcess } from './spawn.ts';

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const ENV = { PATH };
let dir: string;

function sh(script: string, options: { stdin?: Uint8Array | string; pipeGraceMs?: number; env?: Record<string, string> } = {}): Promise<ProcessOutcome> {
  return startProcess({ file: 'sh', argv: ['sh', '-c', script], env: options.env ?? ENV, stdin: options.stdin, pipeGraceMs: options.pipeGraceMs }).outcome;
}

function openFds(): string[] {
  return readdirSync('/proc/self/fd').sort();
}

function startError(file: string, env: Record<string, string> = ENV): SysError {
  try {
    startProcess({ file, argv: [file], env });
  } catch (e) {
    if (e instanceof SysError) return e;
    throw e;
  }
  throw new Error(`${file} started`);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cnits-sysspawn-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('startProcess', () => {
  it('reports the exit code, stdout and stderr', async () => {
    const out = await sh('echo out; echo err >&2; exit 3');
    expect(out).toEqual({ stdout: Buffer.from('out\n'), stderr: Buffer.from('err\n'), exitCode: 3, signal: undefined, pipesLeftOpen: false });
    expect((await sh('true')).exitCode).toBe(0);
  });

  it('passes argv as given, argv[0] included, and resolves a bare name in PATH', async () => {
    const child = startProcess({ file: 'cat', argv: ['my-name', '/proc/self/cmdline'], env: ENV });
    expect(child.pid).toBeGreaterThan(0);
    expect((await child.outcome).stdout.toString()).toBe('my-name\0/proc/self/cmdline\0');
  });

  it('gives the child exactly the given environment and nothing else', async () => {
    const env = ['/usr/bin/env', '/bin/env'].find((p) => existsSync(p)) as string;
    const out = await startProcess({ file: env, argv: ['env'], env: { A: '1', B: 'x y=z', EMPTY: '' } }).outcome;
    expect(out.stdout.toString().split('\n').filter(Boolean).sort()).toEqual(['A=1', 'B=x y=z', 'EMPTY=']);
  });

  it('captures more than 1 MB on stdout and on stderr', async () => {
    const out = await startProcess({ file: 'head', argv: ['head', '-c', '2000000', '/dev/zero'], env: ENV }).outcome;
    expect(out.exitCode).toBe(0);
    expect(out.stdout.length).toBe(2_000_000);
    expect(out.stdout.every((b) => b === 0)).toBe(true);
    const both = await sh('head -c 1500000 /dev/zero >&2; head -c 1200000 /dev/zero');
    expect([both.stderr.length, both.stdout.length, both.exitCode]).toEqual([1_500_000, 1_200_000, 0]);
  });

  it('pipes more than 1 MB of stdin through cat without deadlocking', async () => {
    const input = randomBytes(3_000_000);
    const out = await startProcess({ file: 'cat', argv: ['cat'], env: ENV, stdin: input }).outcome;
    expect(out.exitCode).toBe(0);
    expect(out.stdout.equals(input)).toBe(true);
  });

  it('accepts stdin as a string, and a child that ignores its stdin', async () => {
    expect((await sh('cat', { stdin: 'héllo' })).stdout.toString()).toBe('héllo');
    const ignored = await sh('echo done', { stdin: Buffer.alloc(500_000, 1) });
    expect([ignored.stdout.toString(), ignored.exitCode]).toEqual(['done\n', 0]);
  });

  it('reports a missing executable as ENOENT, by path and by name', () => {
    expect(startError(join(dir, 'missing'))).toMatchObject({ code: 'ENOENT', syscall: 'posix_spawn' });
    expect(startError('cnits-no-such-tool')).toMatchObject({ code: 'ENOENT' });
    expect(startError('sh', { PATH: dir })).toMatchObject({ code: 'ENOENT' });
  });

  it('reports a file without execute permission as EACCES, by path and by name', () => {
    const p = join(dir, 'not-executable');
    writeFileSync(p, '#!/bin/sh\necho no\n');
    chmodSync(p, 0o644);
    expect(startError(p)).toMatchObject({ code: 'EACCES', syscall: 'posix_spawn' });
    expect(startError('not-executable', { PATH: dir })).toMatchObject({ code: 'EACCES' });
  });

  it('reports an executable it cannot run as ENOEXEC', () => {
    const p = join(dir, 'garbage');
    writeFileSync(p, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 0]));
    chmodSync(p, 0o755);
    expect(startError(p)).toMatchObject({ code: 'ENOEXEC' });
  });

  it('rejects a NUL byte in argv or env', () => {
    expect(() => startProcess({ file: 'sh', argv: ['sh', 'a\0b'], env: ENV })).toThrow(TypeError);
    expect(() => startProcess({ file: 'sh', argv: ['sh'], env: { X: 'a\0b' } })).toThrow(TypeError);
  });

  it('kill() ends a child at once with SIGKILL', async () => {
    const t = Date.now();
    const child = startProcess({ file: 'sleep', argv: ['sleep', '5'], env: ENV });
    setTimeout(() => child.kill(), 50);
    const out = await child.outcome;
    expect(out).toMatchObject({ exitCode: undefined, signal: 'SIGKILL' });
    expect(Date.now() - t).toBeLessThan(1500);
    child.kill(); // after the reap: a no-op, never a signal to a recycled pid
  });

  it('reports a child killed by another signal', async () => {
    expect(await sh('kill -TERM $$')).toMatchObject({ exitCode: undefined, signal: 'SIGTERM' });
  });

  it('gives the child default signal dispositions and an empty mask (Node ignores SIGPIPE)', async () => {
    const status = (await startProcess({ file: 'cat', argv: ['cat', '/proc/self/status'], env: ENV }).outcome).stdout.toString();
    expect(status).toMatch(/^SigIgn:\s+0+$/m);
    expect(status).toMatch(/^SigBlk:\s+0+$/m);
    const t = Date.now();
    const out = await sh('yes | head -1');
    // with SIGPIPE ignored, yes would report "Broken pipe" on stderr instead of dying quietly
    expect([out.stdout.toString(), out.stderr.toString(), out.exitCode]).toEqual(['y\n', '', 0]);
    expect(Date.now() - t).toBeLessThan(2000);
  });

  it('stops waiting for pipes a grandchild holds once the grace has run out', async () => {
    const t = Date.now();
    const out = await sh('sleep 5 & echo $!', { pipeGraceMs: 300 });
    const elapsed = Date.now() - t;
    const grandchild = Number(out.stdout.toString().trim());
    if (grandchild > 0) process.kill(grandchild, 'SIGKILL'); // the sleep this test started
    expect(out).toMatchObject({ exitCode: 0, pipesLeftOpen: true });
    expect(grandchild).toBeGreaterThan(0);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(2000);
  });

  it('does not block the event loop while the child runs', async () => {
    let ticks = 0;
    const interval = setInterval(() => ticks++, 10);
    const out = await sh('sleep 0.3; echo late');
    clearInterval(interval);
    expect(out.stdout.toString()).toBe('late\n');
    expect(ticks).toBeGreaterThanOrEqual(10);
  });

  it('keeps the event loop turning while a fast writer floods its pipe', async () => {
    let ticks = 0;
    const interval = setInterval(() => ticks++, 5);
    const t = Date.now();
    const out = await startProcess({ file: 'head', argv: ['head', '-c', '100000000', '/dev/zero'], env: ENV }).outcome;
    const elapsed = Date.now() - t;
    clearInterval(interval);
    expect(out.stdout.length).toBe(100_000_000);
    // a loop held by the reads would tick once or twice; budgeted turns let it tick throughout
    expect(elapsed).toBeGreaterThan(50);
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(elapsed / 50));
  });

  it('starts the child inside the call, before any await', () => {
    const child = startProcess({ file: 'sleep', argv: ['sleep', '5'], env: ENV });
    try {
      expect(existsSync(`/proc/${child.pid}`)).toBe(true);
    } finally {
      child.kill();
    }
    return child.outcome;
  });

  it('runs 50 children at once, each with its own input and output', async () => {
    const runs = Array.from({ length: 50 }, (_, i) => {
      const input = Buffer.alloc(100_000 + i, i);
      return { i, input, outcome: sh(`cat; echo " $0-${i}" >&2; exit ${i % 7}`, { stdin: input }) };
    });
    for (const { i, input, outcome } of runs) {
      const out = await outcome;
      expect(out.stdout.equals(input), `child ${i} stdout`).toBe(true);
      expect(out.stderr.toString()).toBe(` sh-${i}\n`);
      expect(out.exitCode).toBe(i % 7);
    }
  });

  it('leaks no file descriptors, whether the child ran, failed to start or was killed', async () => {
    await sh('true'); // any lazy one-time handles (koffi, libc) are opened before counting
    const before = openFds();
    await sh('echo x; echo y >&2', { stdin: 'in' });
    await startProcess({ file: 'head', argv: ['head', '-c', '300000', '/dev/zero'], env: ENV }).outcome;
    startError(join(dir, 'missing'));
    startError('cnits-no-such-tool');
    const k = startProcess({ file: 'sleep', argv: ['sleep', '5'], env: ENV });
    k.kill();
    await k.outcome;
    const g = await sh('sleep 5 & echo $!', { pipeGraceMs: 100 });
    process.kill(Number(g.stdout.toString().trim()), 'SIGKILL');
    expect(openFds()).toEqual(before);
  });
});
