// The storm and the soak of `npm run bench -- --storm | --soak` at a size that fits CI, through
// dist/bin, on both firewall backends: 0 failures, 0 duplicate addresses, 0 leftovers, 0 drift.
// The full sizes (1,000 pods, 10,000 cycles) are the bench's. A last test plants what a pod
// could leave behind and checks that the snapshot sees each kind, so the zeros above mean
// something.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST_BIN, isRoot } from '../../../lib/testing/index.ts';
import { diff, snapshot } from './node-state.ts';
import { type FirewallBackend, StormNode } from './storm-node.ts';
import { formatSoak, formatStorm, problemsOf, runSoak, runStorm } from './storm.ts';

const PODS = 64;
const WORKERS = 8;
/** Soak cycles per backend, on SOAK_WORKERS lanes. */
const CYCLES = 60;
const SOAK_WORKERS = 4;
const BACKENDS: readonly FirewallBackend[] = ['iptables', 'nftables'];
/**
 * Far above the 20-40 s each takes on an idle machine: a test that timed out would let the next
 * one start while its pods are still being deleted, and each snapshot would see the other's.
 */
const TIMEOUT_MS = 900_000;
const names = { namePrefix: 'cnits-storm', nameSuffix: randomBytes(3).toString('hex') };

describe.skipIf(!isRoot())('storm and soak through dist/bin', () => {
  let stateParent: string;
  beforeAll(() => {
    stateParent = mkdtempSync(join(tmpdir(), 'cni-ts-storm-test-'));
  });
  // Each run removes its namespaces and state itself; this is for a run cut short (a timeout).
  afterAll(() => {
    const ours = readdirSync('/run/netns').filter((n) => n.startsWith(names.namePrefix) && n.includes(names.nameSuffix));
    if (ours.length) spawnSync('ip', ['-force', '-batch', '-'], { input: ours.map((n) => `netns del ${n}\n`).join(''), stdio: ['pipe', 'ignore', 'ignore'] });
    if (stateParent) rmSync(stateParent, { recursive: true, force: true });
  });
  for (const backend of BACKENDS) {
    it(`storm on ${backend}: ${PODS} pods, ${WORKERS} workers, ADD all then DEL all, nothing lost, nothing left`, async () => {
      const r = await runStorm({ ...names, stateParent, pluginDir: DIST_BIN, backend, pods: PODS, workers: WORKERS });
      console.log(formatStorm(r));
      expect(problemsOf(r), formatStorm(r)).toEqual([]);
      expect(r.peak).toEqual({ reservations: PODS, veths: PODS });
      expect(r.duplicates).toBe(0);
      expect(r.leftovers).toEqual({});
    }, TIMEOUT_MS);
  }

  for (const backend of BACKENDS) {
    it(`soak on ${backend}: ${CYCLES} ADD/DEL cycles leave the node as they found it`, async () => {
      // On nftables the soak is asked for far more cycles and stopped after CYCLES, as a Ctrl-C
      // of a long run does: it must still finish what is in flight and compare the node.
      const stopEarly = backend === 'nftables';
      let asked = 0;
      const stop = stopEarly ? () => ++asked > CYCLES : undefined;
      const r = await runSoak({ ...names, stateParent, pluginDir: DIST_BIN, backend, cycles: stopEarly ? CYCLES * 100 : CYCLES, workers: SOAK_WORKERS, stop });
      console.log(formatSoak(r));
      expect(r.cycles).toBe(CYCLES);
      expect(formatSoak(r).includes('stopped early')).toBe(stopEarly);
      expect(problemsOf(r), formatSoak(r)).toEqual([]);
      expect(r.drift).toEqual({});
      // The snapshot did look at the network: its bridge, the reservation lock, the rules.
      expect(r.start.links).toContain('cnistorm0 bridge');
      expect((r.start.files ?? []).some((f) => f.includes('storm/lock'))).toBe(true);
      expect(r.start[backend === 'iptables' ? 'iptables' : 'nftables']?.some((l) => l.includes('HOSTPORT') || l.includes('cni_hostport'))).toBe(true);
    }, TIMEOUT_MS);
  }

  it('the snapshot sees each kind of leftover: link, rule, chain, nft table, file, held lock, process, fd', async () => {
    const node = new StormNode({ ...names, stateParent, pluginDir: DIST_BIN, backend: 'iptables' });
    let holder: ReturnType<typeof spawn> | undefined;
    let fd: number | undefined;
    try {
      const before = snapshot(node.scope);
      const sh = (cmd: string) => {
        const r = spawn('ip', ['netns', 'exec', node.nodeNs, 'sh', '-c', cmd], { stdio: 'ignore' });
        return new Promise<number>((resolve) => r.on('close', (c) => resolve(c ?? 1)));
      };
      expect(await sh('ip link add cnistale0 type veth peer name cnistale1')).toBe(0);
      expect(await sh('iptables -t nat -N CNI-stale && iptables -t nat -A POSTROUTING -s 10.77.0.9 -j CNI-stale')).toBe(0);
      expect(await sh('nft add table inet stale')).toBe(0);
      const network = join(node.dirs.ipam, 'storm');
      mkdirSync(network, { recursive: true });
      writeFileSync(join(network, '10.77.0.9'), 'gone\r\neth0');
      const lock = join(node.dirs.cache, 'held.lock');
      writeFileSync(lock, '');
      // A "plugin" that never exited, in the node namespace, holding a lock.
      holder = spawn('ip', ['netns', 'exec', node.nodeNs, 'flock', lock, 'sleep', '60'], { stdio: 'ignore', detached: true });
      fd = openSync(join(node.dirs.portmap, 'open-by-the-driver'), 'w');
      await new Promise((r) => setTimeout(r, 300));
      const d = diff(before, snapshot(node.scope));
      expect(d.links?.added).toEqual(expect.arrayContaining(['cnistale0 veth', 'cnistale1 veth']));
      expect(d.iptables?.added).toEqual(expect.arrayContaining([':CNI-stale -', '-A POSTROUTING -s 10.77.0.9/32 -j CNI-stale']));
      expect(d.nftables?.added.some((l) => l.startsWith('table inet stale'))).toBe(true);
      expect(d.files?.added.some((l) => l.includes('storm/10.77.0.9 file'))).toBe(true);
      expect(d.locks?.added.some((l) => l.includes('held.lock FLOCK'))).toBe(true);
      expect(d.processes?.added.some((l) => l.includes('in the node namespace'))).toBe(true);
      expect(d.driverFds).toBeDefined();
    } finally {
      if (holder?.pid) process.kill(-holder.pid, 'SIGKILL');
      if (fd !== undefined) closeSync(fd);
      node.remove();
    }
  }, 60_000);
});
