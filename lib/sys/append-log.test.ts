import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appendLogLine } from './append-log.ts';
import { SysError } from './errors.ts';

// Under Node through koffi; the integration test (lib/cni/invocation-log.int.test.ts) runs the
// same code through bun:ffi in the compiled plugins, many processes at once.
const dir = mkdtempSync(join(tmpdir(), 'cnits-append-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
const fresh = (): string => join(dir, `log${n++}`);

describe('appendLogLine', () => {
  it('creates the file owner-only and appends whole lines', () => {
    const f = fresh();
    appendLogLine(f, 'one\n', 4096);
    appendLogLine(f, 'two\n', 4096);
    expect(readFileSync(f, 'utf8')).toBe('one\ntwo\n');
    expect(statSync(f).mode & 0o777).toBe(0o600);
  });

  it('appends to an existing file and keeps its mode', () => {
    const f = fresh();
    writeFileSync(f, 'old\n', { mode: 0o644 });
    appendLogLine(f, 'new\n', 4096);
    expect(readFileSync(f, 'utf8')).toBe('old\nnew\n');
    expect(statSync(f).mode & 0o777).toBe(0o644);
  });

  it('rotates to <file>.1 when a line would pass the cap, replacing an older .1', () => {
    const f = fresh();
    const line = (c: string) => `${c.repeat(99)}\n`; // 100 bytes
    for (const c of 'abc') appendLogLine(f, line(c), 250);
    expect(readFileSync(f, 'utf8')).toBe(line('c'));
    expect(readFileSync(`${f}.1`, 'utf8')).toBe(line('a') + line('b'));
    for (const c of 'de') appendLogLine(f, line(c), 250);
    expect(readFileSync(`${f}.1`, 'utf8')).toBe(line('c') + line('d'));
    expect(readFileSync(f, 'utf8')).toBe(line('e'));
    // exactly at the cap is still within it
    appendLogLine(f, `${'f'.repeat(149)}\n`, 250);
    expect(statSync(f).size).toBe(250);
    expect(readFileSync(`${f}.1`, 'utf8')).toBe(line('c') + line('d'));
  });

  it('writes a line longer than the cap into an empty file rather than rotating forever', () => {
    const f = fresh();
    appendLogLine(f, `${'x'.repeat(299)}\n`, 100);
    expect(statSync(f).size).toBe(300);
    expect(existsSync(`${f}.1`)).toBe(false);
  });

  it('fails with the errno for a directory or a missing directory', () => {
    const sub = join(dir, 'a-dir');
    mkdirSync(sub);
    expect(() => appendLogLine(sub, 'x\n', 4096)).toThrow(expect.objectContaining({ code: 'EISDIR', syscall: 'open' }));
    expect(() => appendLogLine(join(dir, 'missing', 'log'), 'x\n', 4096)).toThrow(SysError);
    expect(() => appendLogLine(join(dir, 'missing', 'log'), 'x\n', 4096)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it('fails at once on a FIFO without a reader instead of hanging', async () => {
    const fifo = join(dir, 'fifo');
    await new Promise<void>((resolve, reject) => spawn('mkfifo', [fifo]).on('exit', (c) => (c === 0 ? resolve() : reject(new Error(`mkfifo ${c}`)))));
    expect(() => appendLogLine(fifo, 'x\n', 4096)).toThrow(expect.objectContaining({ code: 'ENXIO' }));
  });
});
