import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NetnsNotFoundError, NotNetnsError } from './errors.ts';
import { currentNetnsIdentity, isSameNetns, netnsIdentity } from './identity.ts';
import { openCurrentNetns, openNetns } from './netns.ts';
import { openContainerNetns, openContainerNetnsForDel } from './container.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnits-netns-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('openNetns', () => {
  it('opens /proc/self/ns/net as a verified handle', () => {
    const ns = openNetns('/proc/self/ns/net');
    try {
      expect(ns.path).toBe('/proc/self/ns/net');
      expect(ns.fd).toBeGreaterThan(2);
      expect(fs.fstatSync(ns.fd).isFile()).toBe(true);
    } finally {
      ns.close();
    }
    expect(ns.closed).toBe(true);
    ns.close(); // idempotent
  });

  it('throws NetnsNotFoundError naming a missing path', () => {
    const missing = path.join(dir, 'gone');
    expect(() => openNetns(missing)).toThrow(NetnsNotFoundError);
    expect(() => openNetns(missing)).toThrow(missing);
  });

  it('throws NetnsNotFoundError for a dead pid', () => {
    expect(() => openNetns('/proc/2147483646/ns/net')).toThrow(NetnsNotFoundError);
  });

  it('throws NotNetnsError for a regular file (an unmounted /run/netns entry)', () => {
    const file = path.join(dir, 'plain');
    fs.writeFileSync(file, '');
    expect(() => openNetns(file)).toThrow(NotNetnsError);
    expect(() => openNetns(file)).toThrow(`${file} is not a network namespace`);
  });

  it('throws NotNetnsError for a directory', () => {
    expect(() => openNetns(dir)).toThrow(NotNetnsError);
  });

  it('throws NotNetnsError for another kind of namespace', () => {
    expect(() => openNetns('/proc/self/ns/uts')).toThrow(/another kind of namespace/);
  });

  it('does not hang on a FIFO', () => {
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(() => openNetns(fifo)).toThrow(NotNetnsError);
  });
});

describe('netns identity', () => {
  it('sees /proc/self and /proc/thread-self as the same netns on the main thread', () => {
    expect(isSameNetns('/proc/self/ns/net', '/proc/thread-self/ns/net')).toBe(true);
  });

  it('matches the current identity with an open handle of it', () => {
    const ns = openCurrentNetns();
    try {
      expect(netnsIdentity(ns)).toEqual(currentNetnsIdentity());
      expect(isSameNetns(ns, '/proc/self/ns/net')).toBe(true);
    } finally {
      ns.close();
    }
  });

  it('tells the netns apart from another namespace file', () => {
    expect(isSameNetns('/proc/self/ns/net', '/proc/self/ns/uts')).toBe(false);
  });
});

describe('CNI_NETNS that is the plugin\'s own namespace (issue 17)', () => {
  it.each(['/proc/self/ns/net', '/proc/thread-self/ns/net', `/proc/${process.pid}/ns/net`])('openContainerNetns refuses %s with code 4 saying so', (path) => {
    expect(() => openContainerNetns(path)).toThrow(expect.objectContaining({ code: 4, msg: `CNI_NETNS "${path}" is the plugin's own network namespace, not the pod's` }));
  });

  it('openContainerNetnsForDel treats it as nothing to clean inside, and says so on stderr', () => {
    const written: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((text: string) => written.push(text) > 0) as unknown as typeof process.stderr.write;
    try {
      expect(openContainerNetnsForDel('/proc/self/ns/net')).toBeUndefined();
    } finally {
      process.stderr.write = write;
    }
    expect(written.join('')).toContain('is the plugin\'s own network namespace');
  });
});
