/**
 * Kernel tests for lib/netns in throwaway namespaces. withNetns is always restored, and
 * every test checks the thread is back in its original netns.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createVeth, getLink, listLinks } from '../netlink/index.ts';
import { NetnsNotFoundError, NotNetnsError } from './errors.ts';
import { currentNetnsIdentity, isSameNetns, netnsIdentity } from './identity.ts';
import { openNetns } from './netns.ts';
import { readSysctl, writeSysctl } from './sysctl.ts';
import { routeSocketIn, withNetns } from './with-netns.ts';
import type { NetnsIdentity } from './identity.ts';

const isRoot = process.getuid?.() === 0;
const suffix = randomBytes(3).toString('hex');
const H = `cnits-ns-${suffix}h`;
const C = `cnits-ns-${suffix}c`;
let original: NetnsIdentity;

describe.skipIf(!isRoot)('lib/netns against the kernel', () => {
  beforeAll(() => {
    original = currentNetnsIdentity();
    execFileSync('ip', ['netns', 'add', H]);
    execFileSync('ip', ['netns', 'add', C]);
  });

  afterEach(() => {
    expect(currentNetnsIdentity()).toEqual(original);
  });

  afterAll(() => {
    for (const ns of [H, C]) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
  });

  it('withNetns runs the callback inside the namespace and returns its value', () => {
    const target = netnsIdentity(`/run/netns/${C}`);
    expect(target).not.toEqual(original);
    const seen = withNetns(`/run/netns/${C}`, () => currentNetnsIdentity());
    expect(seen).toEqual(target);
  });

  it('withNetns restores the original netns when the callback throws', () => {
    const boom = new Error('boom');
    expect(() =>
      withNetns(`/run/netns/${C}`, () => {
        throw boom;
      }),
    ).toThrow(boom);
    expect(currentNetnsIdentity()).toEqual(original);
  });

  it('withNetns rejects a Promise at run time, after restoring', () => {
    const sneaky = (() => Promise.resolve(1)) as unknown as () => number;
    expect(() => withNetns(`/run/netns/${C}`, sneaky)).toThrow(TypeError);
    expect(currentNetnsIdentity()).toEqual(original);
  });

  it('withNetns nests and unwinds in order', () => {
    const c = netnsIdentity(`/run/netns/${C}`);
    const h = netnsIdentity(`/run/netns/${H}`);
    const trail = withNetns(`/run/netns/${H}`, () => {
      const inner = withNetns(`/run/netns/${C}`, () => currentNetnsIdentity());
      return [currentNetnsIdentity(), inner];
    });
    expect(trail).toEqual([h, c]);
  });

  it('withNetns runs synchronous sysctl writes in the namespace, with dotted interface names', () => {
    const sock = routeSocketIn(`/run/netns/${C}`);
    try {
      createVeth(sock, { name: 'v.5', peer: { name: 'w.5' } });
    } finally {
      sock.close();
    }
    withNetns(`/run/netns/${C}`, () => {
      writeSysctl('net/ipv4/conf/v.5/rp_filter', 2);
      expect(readSysctl('net.ipv4.conf.v/5.rp_filter')).toBe('2');
      writeSysctl('net.ipv4.conf.w/5.rp_filter', '1');
    });
    const out = execFileSync('ip', ['netns', 'exec', C, 'cat', '/proc/sys/net/ipv4/conf/v.5/rp_filter', '/proc/sys/net/ipv4/conf/w.5/rp_filter'], {
      encoding: 'utf8',
    });
    expect(out.split('\n').slice(0, 2)).toEqual(['2', '1']);
    // The interface does not exist in the test's own netns.
    expect(() => readSysctl('net/ipv4/conf/v.5/rp_filter')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it('routeSocketIn gives a socket that keeps working in the namespace after leaving it', () => {
    const sock = routeSocketIn(`/run/netns/${H}`);
    try {
      createVeth(sock, { name: 'rs0', peer: { name: 'rs1' } });
      const names = listLinks(sock).map((l) => l.name);
      expect(names).toEqual(expect.arrayContaining(['lo', 'rs0', 'rs1']));
      const shown = JSON.parse(execFileSync('ip', ['-n', H, '-j', 'link', 'show', 'rs0'], { encoding: 'utf8' })) as unknown[];
      expect(shown).toHaveLength(1);
      expect(getLink(sock, 'v.5')).toBeUndefined(); // lives in C, not H
    } finally {
      sock.close();
    }
  });

  describe('path forms', () => {
    let sleeper: ChildProcess | undefined;

    afterAll(() => {
      if (sleeper?.pid !== undefined && sleeper.exitCode === null) process.kill(sleeper.pid, 'SIGKILL');
    });

    it('accepts /run/netns/x and /var/run/netns/x', () => {
      for (const p of [`/run/netns/${C}`, `/var/run/netns/${C}`]) {
        const ns = openNetns(p);
        try {
          expect(isSameNetns(ns, `/run/netns/${C}`)).toBe(true);
          expect(withNetns(ns, () => currentNetnsIdentity())).toEqual(netnsIdentity(`/run/netns/${C}`));
        } finally {
          ns.close();
        }
      }
    });

    it('accepts /proc/<pid>/ns/net of a process running in the namespace', async () => {
      sleeper = spawn('ip', ['netns', 'exec', C, 'sleep', '30'], { stdio: 'ignore' });
      const pid = sleeper.pid ?? 0;
      expect(pid).toBeGreaterThan(0);
      // `ip netns exec` setns()es then execs sleep in the same pid; wait for that to happen.
      const want = netnsIdentity(`/run/netns/${C}`);
      for (let i = 0; i < 100 && !sameSafe(`/proc/${pid}/ns/net`, want); i++) await new Promise((r) => setTimeout(r, 20));
      const ns = openNetns(`/proc/${pid}/ns/net`);
      try {
        expect(netnsIdentity(ns)).toEqual(want);
        expect(withNetns(ns, () => currentNetnsIdentity())).toEqual(want);
      } finally {
        ns.close();
        process.kill(pid, 'SIGKILL');
      }
    });

    it('accepts /proc/self/fd/<n> of an fd we hold', () => {
      const fd = fs.openSync(`/run/netns/${H}`, 'r');
      try {
        const ns = openNetns(`/proc/self/fd/${fd}`);
        try {
          expect(isSameNetns(ns, `/run/netns/${H}`)).toBe(true);
          expect(withNetns(ns, () => currentNetnsIdentity())).toEqual(netnsIdentity(`/run/netns/${H}`));
        } finally {
          ns.close();
        }
      } finally {
        fs.closeSync(fd);
      }
    });

    it('rejects a missing path and a regular file with typed errors', () => {
      expect(() => openNetns(`/run/netns/${C}-missing`)).toThrow(NetnsNotFoundError);
      expect(() => withNetns(`/run/netns/${C}-missing`, () => 1)).toThrow(NetnsNotFoundError);
      const tmp = fs.mkdtempSync('/tmp/cnits-ns-');
      try {
        fs.writeFileSync(`${tmp}/x`, '');
        expect(() => openNetns(`${tmp}/x`)).toThrow(NotNetnsError);
      } finally {
        fs.rmSync(tmp, { recursive: true });
      }
    });
  });
});

function sameSafe(p: string, want: NetnsIdentity): boolean {
  try {
    const id = netnsIdentity(p);
    return id.dev === want.dev && id.ino === want.ino;
  } catch {
    return false;
  }
}
