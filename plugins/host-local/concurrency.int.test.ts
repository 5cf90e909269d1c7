// Eight runtimes' worth of parallel ADDs on one network: the flock on <dir>/lock and the
// exclusive link(2) must hand out 400 distinct addresses and leave exactly 400 reservations.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runPluginBinary, DIST_BIN } from '../../lib/testing/index.ts';

const LANES = 8;
const PER_LANE = 50;

/** The host-local that ships (npm test builds dist/bin first). */
const HOST_LOCAL = join(DIST_BIN, 'host-local');
let dataDir: string;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'cnits-hl-conc-'));
});
afterAll(() => {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

it('8 processes making 50 ADDs each get 400 distinct addresses and leave exactly 400 reservations', async () => {
  const config = { cniVersion: '1.1.0', name: 'busy', ipam: { type: 'host-local', subnet: '10.50.0.0/16', dataDir } };
  const lane = async (l: number): Promise<string[]> => {
    const got: string[] = [];
    for (let i = 0; i < PER_LANE; i++) {
      const out = await runPluginBinary(HOST_LOCAL, { command: 'ADD', config, containerId: `l${l}-c${i}`, ifname: 'eth0', netns: '/dev/null' });
      if (out.code !== 0) throw new Error(`lane ${l} ADD ${i} failed: ${out.stdout}${out.stderr}`);
      got.push(out.json.ips[0].address);
    }
    return got;
  };
  const all = (await Promise.all(Array.from({ length: LANES }, (_, l) => lane(l)))).flat();
  expect(all).toHaveLength(LANES * PER_LANE);
  expect(new Set(all).size).toBe(LANES * PER_LANE);

  const dir = join(dataDir, 'busy');
  const reservations = readdirSync(dir).filter((f) => f.startsWith('10.'));
  expect(reservations).toHaveLength(LANES * PER_LANE);
  expect(new Set(reservations)).toEqual(new Set(all.map((a) => a.split('/')[0])));
  expect(readdirSync(dir).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
  // Every file names the container that was told it got that address.
  const owners = new Set(reservations.map((f) => readFileSync(join(dir, f), 'latin1')));
  expect(owners.size).toBe(LANES * PER_LANE);
}, 600_000);
