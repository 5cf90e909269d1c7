/**
 * Test-only: the two throwaway namespaces the lib/netlink kernel tests work in (H, host-like,
 * and C, container-like), with a socket opened in each by a briefly entered setns that is
 * always undone, so the root netns is never touched. lib/netns is not used here (netlink sits
 * below netns); its own tests cover routeSocketIn.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { CLONE_NEWNET, setns } from '../sys/index.ts';
import { NetlinkError } from './errors.ts';
import { NetlinkSocket } from './socket.ts';

export const isRoot = process.getuid?.() === 0;

/** Unique names for one test file's pair: `cnits-nl-<random>h` and `...c`. */
export function namespacePairNames(): { H: string; C: string } {
  const suffix = randomBytes(3).toString('hex');
  return { H: `cnits-nl-${suffix}h`, C: `cnits-nl-${suffix}c` };
}

/** The pair once created: a socket and an open namespace file in each. */
export interface NamespacePair {
  readonly host: NetlinkSocket;
  readonly ctr: NetlinkSocket;
  readonly hostNsFd: number;
  readonly ctrNsFd: number;
}

/** Creates both namespaces and opens a socket and a namespace file in each (call in beforeAll). */
export function openNamespacePair(H: string, C: string): NamespacePair {
  execFileSync('ip', ['netns', 'add', H]);
  execFileSync('ip', ['netns', 'add', C]);
  return { host: socketIn(H), ctr: socketIn(C), hostNsFd: fs.openSync(`/run/netns/${H}`, 'r'), ctrNsFd: fs.openSync(`/run/netns/${C}`, 'r') };
}

/** Closes what openNamespacePair opened and deletes both namespaces, even after a failed open. */
export function removeNamespacePair(H: string, C: string, pair: NamespacePair | undefined): void {
  pair?.host.close();
  pair?.ctr.close();
  if (pair) for (const fd of [pair.hostNsFd, pair.ctrNsFd]) fs.closeSync(fd);
  for (const ns of [H, C]) {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}

function socketIn(ns: string): NetlinkSocket {
  const self = fs.openSync('/proc/thread-self/ns/net', 'r');
  const target = fs.openSync(`/run/netns/${ns}`, 'r');
  try {
    setns(target, CLONE_NEWNET);
    try {
      return NetlinkSocket.open();
    } finally {
      setns(self, CLONE_NEWNET);
    }
  } finally {
    fs.closeSync(self);
    fs.closeSync(target);
  }
}

/** `ip -n ns ...`, stdout as text. */
export function ip(ns: string, ...args: string[]): string {
  return execFileSync('ip', ['-n', ns, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function ipJson<T = Record<string, unknown>>(ns: string, ...args: string[]): T[] {
  return JSON.parse(ip(ns, '-j', ...args)) as T[];
}

/** The NetlinkError `fn` throws. */
export function thrown(fn: () => unknown): NetlinkError {
  try {
    fn();
  } catch (err) {
    if (err instanceof NetlinkError) return err;
    throw err;
  }
  throw new Error('expected a NetlinkError');
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}
