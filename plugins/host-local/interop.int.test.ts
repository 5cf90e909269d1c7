// A node can switch between the Go host-local (Debian's /usr/lib/cni/host-local) and ours in
// either direction with its allocations intact: ADD by one, CHECK and DEL by the other.
// Debian ships plugins 1.1.1, which speak up to CNI 1.0.0, so the configs use 1.0.0.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tryParseIp } from '../../lib/addr/index.ts';
import { GO_PLUGIN_DIR, type PluginCall, type PluginOutcome, hasGoPlugin, runPluginBinary, DIST_BIN } from '../../lib/testing/index.ts';

const GO = join(GO_PLUGIN_DIR, 'host-local');
const haveGo = hasGoPlugin('host-local');
if (!haveGo) console.warn(`skipping host-local interop tests: ${GO} is not installed (apt install containernetworking-plugins)`);

/** The host-local that ships (npm test builds dist/bin first). */
const HOST_LOCAL = join(DIST_BIN, 'host-local');
let dataDir: string;
let seq = 0;

beforeAll(() => {
  if (!haveGo) return;
  dataDir = mkdtempSync(join(tmpdir(), 'cnits-hl-interop-'));
});
afterAll(() => {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

type Impl = 'go' | 'ours';

function net(ipam: Record<string, unknown>): { name: string; cfg: Record<string, unknown> } {
  seq += 1;
  const name = `interop${seq}`;
  return { name, cfg: { cniVersion: '1.0.0', name, ipam: { type: 'host-local', dataDir, ...ipam } } };
}

function run(impl: Impl, command: string, cfg: unknown, call: Partial<PluginCall> = {}): Promise<PluginOutcome> {
  const bin = impl === 'go' ? GO : HOST_LOCAL;
  return runPluginBinary(bin, { command, config: cfg, containerId: 'ctr1', ifname: 'eth0', netns: '/dev/null', ...call });
}

function reservations(name: string): string[] {
  const dir = join(dataDir, name);
  return existsSync(dir) ? readdirSync(dir).filter((f) => tryParseIp(f) !== undefined).sort() : [];
}

describe.skipIf(!haveGo)('interop with the Go host-local', () => {
  describe.each([
    ['go', 'ours'],
    ['ours', 'go'],
  ] as const)('ADD by %s, CHECK and DEL by %s', (adder, other) => {
    it('dual stack: same files, CHECK passes, DEL releases', async () => {
      const { name, cfg } = net({ ranges: [[{ subnet: '10.60.0.0/24' }], [{ subnet: '2001:db8:60::/64' }]] });
      const added = await run(adder, 'ADD', cfg);
      expect(added.code, added.stdout).toBe(0);
      expect(added.json.ips.map((i: { address: string }) => i.address)).toEqual(['10.60.0.2/24', '2001:db8:60::2/64']);
      expect(reservations(name)).toEqual(['10.60.0.2', '2001:db8:60::2']);
      expect(readFileSync(join(dataDir, name, '2001:db8:60::2'), 'latin1')).toBe('ctr1\r\neth0');
      expect(readFileSync(join(dataDir, name, 'last_reserved_ip.1'), 'latin1')).toBe('2001:db8:60::2');

      const checked = await run(other, 'CHECK', { ...cfg, prevResult: added.json });
      expect(checked.code, checked.stdout).toBe(0);
      const del = await run(other, 'DEL', cfg);
      expect(del.code, del.stdout).toBe(0);
      expect(reservations(name)).toEqual([]);
      // And CHECK by the adder now fails: the reservation is really gone.
      expect((await run(adder, 'CHECK', { ...cfg, prevResult: added.json })).code).toBe(1);
    });

    it(`${other} sees ${adder}'s reservation: a second ADD is a duplicate, a new container gets the next address`, async () => {
      const { cfg } = net({ subnet: '10.61.0.0/24' });
      expect((await run(adder, 'ADD', cfg)).code).toBe(0);
      const dup = await run(other, 'ADD', cfg);
      expect(dup.code).toBe(1);
      expect(dup.json.msg).toContain('10.61.0.2 has been allocated to ctr1');
      const next = await run(other, 'ADD', cfg, { containerId: 'ctr2' });
      expect(next.json.ips[0].address).toBe('10.61.0.3/24');
    });
  });

  it('alternating ADDs share round-robin state and never collide; DELs of either release both', async () => {
    const { name, cfg } = net({ subnet: '10.62.0.0/24' });
    const got: string[] = [];
    for (let i = 0; i < 10; i++) {
      const out = await run(i % 2 ? 'go' : 'ours', 'ADD', cfg, { containerId: `c${i}` });
      expect(out.code, out.stdout).toBe(0);
      got.push(out.json.ips[0].address);
    }
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => `10.62.0.${i + 2}/24`));
    // Release in the other implementation than the one that allocated.
    for (let i = 0; i < 10; i++) expect((await run(i % 2 ? 'ours' : 'go', 'DEL', cfg, { containerId: `c${i}` })).code).toBe(0);
    expect(reservations(name)).toEqual([]);
    // Round-robin continues after the last address either one handed out.
    expect((await run('ours', 'ADD', cfg, { containerId: 'c10' })).json.ips[0].address).toBe('10.62.0.12/24');
  });

  it('parallel ADDs by both implementations serialise on the same lock: no address handed out twice', async () => {
    const { name, cfg } = net({ subnet: '10.64.0.0/24' });
    const lane = async (impl: Impl, l: number): Promise<string[]> => {
      const got: string[] = [];
      for (let i = 0; i < 15; i++) {
        const out = await run(impl, 'ADD', cfg, { containerId: `${impl}${l}-${i}` });
        expect(out.code, out.stdout).toBe(0);
        got.push(out.json.ips[0].address);
      }
      return got;
    };
    const lanes = [lane('go', 0), lane('go', 1), lane('ours', 0), lane('ours', 1)];
    const all = (await Promise.all(lanes)).flat();
    expect(new Set(all).size).toBe(60);
    expect(reservations(name)).toHaveLength(60);
  });

  it('reads legacy id-only reservations the same way', async () => {
    const { name, cfg } = net({ subnet: '10.63.0.0/24' });
    expect((await run('go', 'ADD', cfg, { containerId: 'old' })).code).toBe(0);
    writeFileSync(join(dataDir, name, '10.63.0.2'), 'old'); // as written before CNI 0.7
    expect((await run('ours', 'CHECK', cfg, { containerId: 'old', ifname: 'eth5' })).code).toBe(0);
    expect((await run('ours', 'DEL', cfg, { containerId: 'old', ifname: 'eth5' })).code).toBe(0);
    expect(reservations(name)).toEqual([]);
  });
});
