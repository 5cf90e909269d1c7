import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SysError } from './errors.ts';
import { O_NONBLOCK, O_RDONLY, O_WRONLY, fileIdentity, openFile, readTextFile, readToEnd, writeAll, writeTextFile } from './file.ts';
import { closeFd } from './socket.ts';

// Under Node these run through koffi; the compiled executables run the same code through
// bun:ffi in every integration test (stdin, stdout and netns files go through here).
const dir = mkdtempSync(join(tmpdir(), 'cnits-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lib/sys file descriptors', () => {
  it('reads and writes whole files, and the identity matches stat', () => {
    const f = join(dir, 'a');
    writeFileSync(f, 'old value that is longer\n');
    expect(readTextFile(f)).toBe('old value that is longer\n');
    writeTextFile(f, 'é'.repeat(70_000)); // more than one read chunk, multi-byte text
    expect(readFileSync(f, 'utf8')).toBe('é'.repeat(70_000));
    expect(readTextFile(f)).toBe('é'.repeat(70_000));
    writeTextFile(f, '1');
    expect(readFileSync(f, 'utf8')).toBe('1'); // and a shorter value leaves nothing of the old one
    const st = statSync(f);
    expect(fileIdentity(f)).toEqual({ dev: st.dev, ino: st.ino });
    const fd = openFile(f, O_RDONLY);
    try {
      expect(fileIdentity(fd)).toEqual({ dev: st.dev, ino: st.ino });
    } finally {
      closeFd(fd);
    }
  });

  it('names the failing call, the path and the errno code', () => {
    const missing = join(dir, 'missing');
    expect(() => openFile(missing, O_RDONLY)).toThrow(SysError);
    try {
      readTextFile(missing);
    } catch (e) {
      expect((e as SysError).code).toBe('ENOENT');
      expect((e as SysError).message).toContain(`open ${missing}`);
    }
    expect(() => writeTextFile(join(dir, 'nope', 'x'), '1')).toThrow(/ENOENT/);
    expect(() => fileIdentity(missing)).toThrow(/stat .*ENOENT/);
    expect(() => openFile('a\0b', O_RDONLY)).toThrow(TypeError);
  });

  it('reads a non-blocking FIFO to its end, waiting while the writer is slower (EAGAIN)', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const fd = openFile(fifo, O_RDONLY | O_NONBLOCK); // non-blocking: does not wait for a writer
    const writer = spawn('sh', ['-c', `exec 3>${fifo}; printf one >&3; sleep 0.2; printf two >&3`]);
    await new Promise((r) => setTimeout(r, 50)); // the writer holds the FIFO open before we read
    try {
      expect(readToEnd(fd).toString()).toBe('onetwo');
    } finally {
      closeFd(fd);
      writer.kill();
    }
  });

  it('writes all of a large buffer', () => {
    const f = join(dir, 'w');
    writeFileSync(f, '');
    const fd = openFile(f, O_WRONLY);
    try {
      writeAll(fd, Buffer.alloc(200_000, 0x61));
    } finally {
      closeFd(fd);
    }
    expect(statSync(f).size).toBe(200_000);
  });
});
