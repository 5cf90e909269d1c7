import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUPPORTED_VERSIONS } from '../../lib/cni/index.ts';
import { DIST_BIN, type PluginCall, type TestNamespace, createNamespace, ipJson, isRoot, removeAllNamespaces, runPluginBinary } from '../../lib/testing/index.ts';

// dummy against the kernel. The kernel of this machine has no dummy driver (CONFIG_DUMMY): a
// throwaway network namespace is asked for one first, and the tests that need the driver skip
// with that reason, while the error ADD gives without it is tested instead.

const DUMMY = join(DIST_BIN, 'dummy');

/** Whether the kernel can make a dummy link: tried in a private namespace that vanishes with `ip`. */
function kernelHasDummy(): boolean {
  if (!isRoot()) return false;
  return spawnSync('unshare', ['--net', 'ip', 'link', 'add', 'probe0', 'type', 'dummy'], { stdio: 'ignore' }).status === 0;
}

const HAS_DUMMY = kernelHasDummy();
const NO_DRIVER = 'skipped: this kernel has no dummy network driver (CONFIG_DUMMY, module dummy)';
const HAS_DRIVER = 'skipped: this kernel has the dummy driver, so the missing-driver error cannot be seen';

describe.skipIf(!isRoot())('dummy: a dummy interface carrying IPAM addresses', () => {
  let node: TestNamespace;
  let dataDir: string;
  beforeAll(() => {
    node = createNamespace('dummy-node');
    dataDir = mkdtempSync(join(tmpdir(), 'cnits-dummy-data-'));
  });
  afterAll(() => {
    removeAllNamespaces();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const ipamDir = (subnet: string) => join(dataDir, subnet.replace('/', '_'));
  const ipam = (subnet: string) => ({ type: 'host-local', dataDir: ipamDir(subnet), ranges: [[{ subnet }]], routes: [{ dst: '192.0.2.0/24' }] });
  const conf = (extra: Record<string, unknown>, cniVersion = '1.1.0') => ({ cniVersion, name: 'dummynet', type: 'dummy', ...extra });
  const run = (call: Omit<PluginCall, 'node'>) => runPluginBinary(DUMMY, { path: DIST_BIN, ...call, node });
  const attach = (pod: TestNamespace, containerId: string, ifname = 'dummy0') => ({ containerId, netns: pod.path, ifname });
  const links = (pod: TestNamespace) => ipJson<{ ifname: string }[]>(pod, ['link', 'show']).map((l) => l.ifname);
  const reservations = (subnet: string) => (existsSync(ipamDir(subnet)) ? readdirSync(ipamDir(subnet), { recursive: true }).map(String).filter((f) => /\d+\.\d+\.\d+\.\d+$/.test(f)) : []);

  it.each([
    [{}, 'missing ipam'],
    [{ ipam: { type: '' } }, 'invalid ipam.type ""'],
    [{ ipam: { type: 'a/b' } }, 'invalid ipam.type "a/b"'],
  ])('bad input %j: code 7 (%s) before anything changes', async (extra, msg) => {
    const pod = createNamespace('dummy-bad');
    const a = await run({ command: 'ADD', config: conf(extra), ...attach(pod, 'bad') });
    expect(a.code).toBe(1);
    expect(a.json).toMatchObject({ code: 7, msg });
    expect(links(pod)).toEqual(['lo']);
    pod.remove();
  });

  it('an ADD refused because CNI_IFNAME is taken, and the DEL after it, leave the existing interface alone', async () => {
    const pod = createNamespace('dummy-taken');
    pod.exec(['ip', 'link', 'add', 'dummy0', 'type', 'bridge']);
    const config = conf({ ipam: ipam('10.98.1.0/24') });
    const a = await run({ command: 'ADD', config, ...attach(pod, 'taken') });
    expect(a.code).toBe(1);
    expect(a.json.msg).toMatch(/\(dummy0\) already exists/);
    const d = await run({ command: 'DEL', config, ...attach(pod, 'taken') });
    expect(d.code, d.stdout).toBe(0);
    expect(d.stderr).toMatch(/DEL leaves dummy0: it is a bridge, not a dummy/);
    expect(links(pod).sort()).toEqual(['dummy0', 'lo']);
    expect(reservations('10.98.1.0/24')).toEqual([]);
    pod.remove();
  });

  describe.skipIf(HAS_DUMMY)(`without the kernel's dummy driver (${HAS_DRIVER})`, () => {
    it('ADD fails naming the missing kernel feature, before IPAM is asked: nothing is left; DEL and STATUS succeed', async () => {
      const pod = createNamespace('dummy-none');
      const config = conf({ ipam: ipam('10.98.0.0/24') });
      const a = await run({ command: 'ADD', config, ...attach(pod, 'none') });
      expect(a.code).toBe(1);
      expect(a.json).toMatchObject({ code: 999 });
      expect(a.json.msg).toMatch(/no dummy network driver \(CONFIG_DUMMY, module dummy\)/);
      expect(links(pod)).toEqual(['lo']);
      expect(reservations('10.98.0.0/24')).toEqual([]);
      expect((await run({ command: 'DEL', config, ...attach(pod, 'none') })).code).toBe(0);
      expect((await run({ command: 'STATUS', config })).code).toBe(0);
      pod.remove();
    });
  });

  describe.skipIf(!HAS_DUMMY)(`with the kernel's dummy driver (${NO_DRIVER})`, () => {
    it.each(SUPPORTED_VERSIONS)('%s: ADD puts the addresses and routes on a dummy in the pod; CHECK; DEL leaves nothing', async (version) => {
      const pod = createNamespace('dummy-pod');
      const config = conf({ ipam: ipam('10.99.0.0/24') }, version);
      const cid = `d-${version}`;
      const a = await run({ command: 'ADD', config, ...attach(pod, cid) });
      expect(a.code, a.stdout).toBe(0);
      expect(a.json.cniVersion).toBe(version);
      const l = ipJson<{ linkinfo?: { info_kind?: string }; flags: string[] }[]>(pod, ['-d', 'link', 'show', 'dummy0'])[0];
      expect(l?.linkinfo?.info_kind).toBe('dummy');
      expect(l?.flags).toContain('UP');
      expect(ipJson<{ dst: string }[]>(pod, ['-4', 'route', 'show'])).toContainEqual(expect.objectContaining({ dst: '192.0.2.0/24' }));
      if (!version.startsWith('0.1') && !version.startsWith('0.2')) {
        expect(a.json.interfaces).toEqual([expect.objectContaining({ name: 'dummy0', sandbox: pod.path })]);
        expect(a.json.ips[0].interface).toBe(0);
      }
      if (!/^0\.[123]\./.test(version)) {
        const c = await run({ command: 'CHECK', config: { ...config, prevResult: a.json }, ...attach(pod, cid) });
        expect(c.code, c.stdout).toBe(0);
        pod.exec(['ip', 'link', 'set', 'dummy0', 'down']);
        expect((await run({ command: 'CHECK', config: { ...config, prevResult: a.json }, ...attach(pod, cid) })).json?.msg).toBe('interface dummy0 is down');
      }
      expect((await run({ command: 'DEL', config, ...attach(pod, cid) })).code).toBe(0);
      expect(links(pod)).toEqual(['lo']);
      expect(reservations('10.99.0.0/24')).toEqual([]);
      expect((await run({ command: 'DEL', config, ...attach(pod, cid) })).code).toBe(0);
      pod.remove();
    });

    it('a failed ADD (IPAM gives nothing) leaves no interface; DEL after the netns is gone releases the address', async () => {
      const pod = createNamespace('dummy-fail');
      const f = await run({ command: 'ADD', config: conf({ ipam: { type: 'static', addresses: [] } }), ...attach(pod, 'f') });
      expect(f.code).toBe(1);
      expect(links(pod)).toEqual(['lo']);
      const config = conf({ ipam: ipam('10.99.1.0/24') });
      expect((await run({ command: 'ADD', config, ...attach(pod, 'g') })).code).toBe(0);
      pod.remove();
      expect((await run({ command: 'DEL', config, ...attach(pod, 'g') })).code).toBe(0);
      expect(reservations('10.99.1.0/24')).toEqual([]);
    });
  });
});
