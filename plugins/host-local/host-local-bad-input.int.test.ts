import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST_BIN, runPluginBinary } from '../../lib/testing/index.ts';

// The host-local executable refuses a relative dataDir and a requested address whose prefix is
// out of range (issue 17), writing nothing. It touches no network namespace: no root needed.

const HOST_LOCAL = join(DIST_BIN, 'host-local');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cnits-hlbad-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const conf = (ipam: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ cniVersion: '1.1.0', name: 'hlbad', ipam: { type: 'host-local', subnet: '10.80.0.0/24', ...ipam }, ...extra });
const run = (command: string, config: unknown, args?: string) =>
  runPluginBinary(HOST_LOCAL, { command, config, containerId: 'c1', ifname: 'eth0', netns: '/dev/null', ...(args === undefined ? {} : { args }) });

describe('host-local: bad input writes nothing', () => {
  it.each(['ADD', 'DEL', 'CHECK'])('%s with a relative dataDir: code 7, and nothing is created relative to the working directory', async (command) => {
    const r = await runPluginBinary(HOST_LOCAL, { command, config: conf({ dataDir: 'cnits-relative-data' }), containerId: 'c1', ifname: 'eth0', netns: '/dev/null' });
    expect(r.code, r.stdout).toBe(1);
    expect(r.json).toMatchObject({ code: 7 });
    expect(r.json.msg).toContain('ipam.dataDir "cnits-relative-data"');
    expect(r.json.msg).toMatch(/absolute path/);
    expect(existsSync('cnits-relative-data')).toBe(false);
  });

  it.each([
    ['CNI_ARGS IP with prefix 99', conf({ dataDir: '@' }), 'IP=10.80.0.9/99', 4, 'CNI_ARGS IP "10.80.0.9/99"'],
    ['CNI_ARGS IPv6 with prefix 129', conf({ dataDir: '@', subnet: 'fd00:80::/64' }), 'IP=fd00:80::9/129', 4, 'CNI_ARGS IP "fd00:80::9/129"'],
    ['args.cni.ips with prefix 33', conf({ dataDir: '@' }, { args: { cni: { ips: ['10.80.0.9/33'] } } }), undefined, 7, 'args.cni.ips[0] "10.80.0.9/33"'],
    ['runtimeConfig.ips with prefix 99', conf({ dataDir: '@' }, { runtimeConfig: { ips: ['10.80.0.9/99'] } }), undefined, 7, 'runtimeConfig.ips[0] "10.80.0.9/99"'],
  ])('ADD, %s: code 4 or 7 naming it, no reservation', async (_what, config, args, code, needle) => {
    const c = JSON.parse(JSON.stringify(config).replace('"@"', JSON.stringify(dir)));
    const r = await run('ADD', c, args);
    expect(r.code, r.stdout).toBe(1);
    expect(r.json).toMatchObject({ code });
    expect(r.json.msg).toContain(needle);
    const files = existsSync(join(dir, 'hlbad')) ? readdirSync(join(dir, 'hlbad')).filter((f) => /^[0-9a-f.:]+$/.test(f)) : [];
    expect(files).toEqual([]);
  });
});

describe('host-local: what Go accepts, ours accepts too', () => {
  it('ADD with a gateway outside the subnet (Go since v0.8.0): the address is handed out, the gateway given as written, a warning on stderr', async () => {
    const r = await run('ADD', conf({ dataDir: dir, subnet: '10.81.0.0/24', gateway: '10.82.0.1' }, { name: 'hlgw' }));
    expect(r.code, r.stdout).toBe(0);
    expect(r.json.ips).toEqual([{ address: '10.81.0.1/24', gateway: '10.82.0.1' }]);
    expect(r.stderr).toContain('gateway 10.82.0.1 is not in network 10.81.0.0/24');
    expect((await run('DEL', conf({ dataDir: dir, subnet: '10.81.0.0/24', gateway: '10.82.0.1' }, { name: 'hlgw' }))).code).toBe(0);
  });
});
