import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SysError } from './errors.ts';
import { flock } from './flock.ts';

let dir: string;
let file: string;
const fds: number[] = [];

function open(): number {
  const fd = fs.openSync(file, 'r');
  fds.push(fd);
  return fd;
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnits-flock-'));
  file = path.join(dir, 'lock');
  fs.writeFileSync(file, '');
});

afterEach(() => {
  for (const fd of fds.splice(0)) fs.closeSync(fd);
  fs.rmSync(dir, { recursive: true, force: true });
});

function lockError(fn: () => void): SysError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SysError) return err;
    throw err;
  }
  throw new Error('expected flock to fail');
}

describe('flock', () => {
  it('refuses a second exclusive lock on another open file description with EAGAIN', () => {
    const a = open();
    const b = open();
    flock(a, 'exclusive');
    const err = lockError(() => flock(b, 'exclusive', { nonBlocking: true }));
    expect(['EAGAIN', 'EWOULDBLOCK']).toContain(err.code);
    expect(err.syscall).toBe('flock');
    flock(a, 'unlock');
    flock(b, 'exclusive', { nonBlocking: true });
  });

  it('lets shared locks coexist but not with an exclusive one', () => {
    const a = open();
    const b = open();
    const c = open();
    flock(a, 'shared');
    flock(b, 'shared', { nonBlocking: true });
    expect(lockError(() => flock(c, 'exclusive', { nonBlocking: true })).errno).toBe(11);
  });

  it.skipIf(!hasFlockTool())('excludes another process until the holder unlocks', async () => {
    // flock(1) takes the lock, then `cat` (same open file, inherited) holds it until its stdin closes.
    const child = spawn('flock', ['--exclusive', file, 'sh', '-c', 'echo locked; exec cat'], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('error', reject);
      });
      const fd = open();
      expect(lockError(() => flock(fd, 'exclusive', { nonBlocking: true })).code).toBe('EAGAIN');
      child.stdin.end();
      await exited;
      flock(fd, 'exclusive', { nonBlocking: true });
    } finally {
      child.stdin.destroy();
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }
  });
});

function hasFlockTool(): boolean {
  try {
    execFileSync('flock', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
