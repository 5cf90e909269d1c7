/**
 * Kernel test for conntrack deletion, inside a throwaway netns (entries are inserted with
 * the conntrack tool; nothing in the root netns is touched).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLONE_NEWNET, setns } from '../sys/index.ts';
import { ConntrackUnavailableError, deleteConntrackEntries, openConntrackSocket } from './conntrack.ts';
import type { NetlinkSocket } from './socket.ts';

const isRoot = process.getuid?.() === 0;
const hasTool = (() => {
  try {
    execFileSync('conntrack', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const NS = `cnits-ct-${randomBytes(3).toString('hex')}`;
let sock: NetlinkSocket | undefined;
let unavailable: string | undefined;

function inNs<T>(fn: () => T): T {
  const self = fs.openSync('/proc/thread-self/ns/net', 'r');
  const target = fs.openSync(`/run/netns/${NS}`, 'r');
  try {
    setns(target, CLONE_NEWNET);
    try {
      return fn();
    } finally {
      setns(self, CLONE_NEWNET);
    }
  } finally {
    fs.closeSync(self);
    fs.closeSync(target);
  }
}

function conntrack(...args: string[]): string {
  return execFileSync('ip', ['netns', 'exec', NS, 'conntrack', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function insert(proto: 'udp' | 'tcp', src: string, dst: string, dport: number): void {
  const state = proto === 'tcp' ? ['--state', 'ESTABLISHED'] : [];
  conntrack('-I', '-p', proto, '-s', src, '-d', dst, '--sport', '40000', '--dport', String(dport), ...state, '-t', '120');
}

describe.skipIf(!isRoot || !hasTool)('deleteConntrackEntries against the kernel', () => {
  beforeAll(() => {
    execFileSync('ip', ['netns', 'add', NS]);
    try {
      sock = inNs(() => openConntrackSocket());
    } catch (err) {
      if (!(err instanceof ConntrackUnavailableError)) throw err;
      unavailable = err.message;
    }
  });

  afterAll(() => {
    sock?.close();
    try {
      execFileSync('ip', ['netns', 'del', NS], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  });

  it('deletes only the entries of the given family, protocol and destination port', (ctx) => {
    if (unavailable !== undefined || sock === undefined) {
      ctx.skip(`conntrack kernel support absent: ${unavailable ?? 'no socket'}`);
      return;
    }
    insert('udp', '10.1.1.1', '10.1.1.2', 5353);
    insert('udp', '10.1.1.3', '10.1.1.2', 5353);
    insert('udp', '10.1.1.1', '10.1.1.2', 5354);
    insert('tcp', '10.1.1.1', '10.1.1.2', 5353);
    insert('udp', '2001:db8::1', '2001:db8::2', 5353);
    expect(conntrack('-L').match(/dport=5353 \[UNREPLIED\]/g)).toHaveLength(4); // v4 and v6

    expect(deleteConntrackEntries(sock, { family: 4, protocol: 'udp', dstPort: 5353 })).toBe(2);

    const v4 = conntrack('-L', '-f', 'ipv4');
    expect(v4).not.toMatch(/^udp .*dport=5353 /m);
    expect(v4).toMatch(/^udp .*dport=5354 /m);
    expect(v4).toMatch(/^tcp .*dport=5353 /m);
    expect(conntrack('-L', '-f', 'ipv6')).toMatch(/dport=5353 /);

    expect(deleteConntrackEntries(sock, { family: 6, protocol: 'udp', dstPort: 5353 })).toBe(1);
    expect(conntrack('-L', '-f', 'ipv6')).not.toMatch(/dport=5353 /);
    expect(deleteConntrackEntries(sock, { family: 4, protocol: 'udp', dstPort: 5353 })).toBe(0);
    expect(deleteConntrackEntries(sock, { family: 4, protocol: 'tcp', dstPort: 5353 })).toBe(1);
    expect(conntrack('-L')).toMatch(/dport=5354 /);
  });
});
