import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUPPORTED_VERSIONS, specHasCheck, specHasGcAndStatus } from '../../lib/cni/index.ts';
import { type TestNamespace, createNamespace, ipJson, isRoot, removeAllNamespaces, runOurPlugin } from '../../lib/testing/index.ts';

const conf = (v: string, extra: Record<string, unknown> = {}) => ({ cniVersion: v, name: 'cni-loopback', type: 'loopback', ...extra });
const loUp = (ns: TestNamespace) => ipJson<{ flags: string[] }[]>(ns, ['link', 'show', 'lo'])[0]?.flags.includes('UP');

describe.skipIf(!isRoot())('loopback plugin (real netns)', () => {
  let node: TestNamespace;
  beforeAll(() => {
    node = createNamespace('lo-node');
  });
  afterAll(removeAllNamespaces);

  describe.each(SUPPORTED_VERSIONS)('at version %s', (v) => {
    it('ADD brings lo up and answers in the shape of the version', async () => {
      const pod = createNamespace('lo-pod');
      pod.exec(['ip', 'link', 'set', 'lo', 'down']);
      const r = await runOurPlugin('loopback', { command: 'ADD', config: conf(v), containerId: 'c1', netns: pod.path, ifname: 'lo', node });
      expect(r.code, r.stdout).toBe(0);
      expect(loUp(pod)).toBe(true);
      expect(r.json.cniVersion).toBe(v);
      if (v === '0.1.0' || v === '0.2.0') {
        expect(r.json.ip4).toEqual({ ip: '127.0.0.1/8' });
        expect(r.json.ip6).toEqual({ ip: '::1/128' });
      } else {
        expect(r.json.interfaces).toEqual([{ name: 'lo', mac: '00:00:00:00:00:00', sandbox: pod.path }]);
        const versions = r.json.ips.map((i: { version?: string }) => i.version);
        expect(versions).toEqual(v.startsWith('0.') ? ['4', '6'] : [undefined, undefined]);
        expect(r.json.ips.map((i: { address: string }) => i.address)).toEqual(['127.0.0.1/8', '::1/128']);
      }
      if (specHasCheck(v)) {
        const ok = await runOurPlugin('loopback', { command: 'CHECK', config: conf(v, { prevResult: r.json }), containerId: 'c1', netns: pod.path, ifname: 'lo', node });
        expect(ok.code, ok.stdout).toBe(0);
        expect(ok.stdout).toBe('');
      }
      const del = await runOurPlugin('loopback', { command: 'DEL', config: conf(v), containerId: 'c1', netns: pod.path, ifname: 'lo', node });
      expect(del.code, del.stdout).toBe(0);
      expect(loUp(pod)).toBe(false);
      if (specHasCheck(v)) {
        const bad = await runOurPlugin('loopback', { command: 'CHECK', config: conf(v), containerId: 'c1', netns: pod.path, ifname: 'lo', node });
        expect(bad.code).toBe(1);
        expect(bad.json.msg).toContain('is down');
      } else {
        const refused = await runOurPlugin('loopback', { command: 'CHECK', config: conf(v), containerId: 'c1', netns: pod.path, ifname: 'lo', node });
        expect(refused.json.code).toBe(1);
      }
      const again = await runOurPlugin('loopback', { command: 'DEL', config: conf(v), containerId: 'c1', netns: pod.path, ifname: 'lo', node });
      expect(again.code).toBe(0);
      pod.remove();
    });

    it.skipIf(v === '0.1.0' || v === '0.2.0')('ADD chained passes prevResult through unchanged', async () => {
      const pod = createNamespace('lo-pod');
      const prevResult = {
        cniVersion: v,
        interfaces: [{ name: 'eth0', mac: '0a:00:00:00:00:01', sandbox: pod.path }],
        ips: [{ ...(v.startsWith('0.') ? { version: '4' } : {}), address: '10.9.0.2/24', gateway: '10.9.0.1', interface: 0 }],
        routes: [{ dst: '0.0.0.0/0' }],
        dns: { nameservers: ['10.9.0.53'] },
      };
      const r = await runOurPlugin('loopback', { command: 'ADD', config: conf(v, { prevResult }), containerId: 'c2', netns: pod.path, ifname: 'lo', node });
      expect(r.code, r.stdout).toBe(0);
      expect(r.json).toEqual(prevResult);
      pod.remove();
    });

    it(specHasGcAndStatus(v) ? 'GC and STATUS succeed' : 'GC and STATUS are refused with code 1', async () => {
      for (const command of ['GC', 'STATUS']) {
        const r = await runOurPlugin('loopback', { command, config: conf(v), node });
        if (specHasGcAndStatus(v)) expect(r.code, r.stdout).toBe(0);
        else expect(r.json.code).toBe(1);
      }
    });
  });

  it('DEL succeeds with an empty CNI_NETNS and with a namespace that is gone', async () => {
    const gone = createNamespace('lo-gone');
    const path = gone.path;
    gone.remove();
    for (const netns of ['', path]) {
      const r = await runOurPlugin('loopback', { command: 'DEL', config: conf('1.1.0'), containerId: 'c3', netns, ifname: 'lo', node });
      expect(r.code, r.stdout).toBe(0);
    }
  });

  it('ADD into a path that is not a network namespace fails with code 4 naming the path', async () => {
    const r = await runOurPlugin('loopback', { command: 'ADD', config: conf('1.1.0'), containerId: 'c4', netns: '/etc/hostname', ifname: 'lo', node });
    expect(r.code).toBe(1);
    expect(r.json.code).toBe(4);
    expect(r.json.msg).toContain('/etc/hostname');
  });

  it('ADD into a namespace that does not exist fails with code 3 naming the path', async () => {
    const r = await runOurPlugin('loopback', { command: 'ADD', config: conf('1.1.0'), containerId: 'c5', netns: '/run/netns/cnits-does-not-exist', ifname: 'lo', node });
    expect(r.json.code).toBe(3);
    expect(r.json.msg).toContain('/run/netns/cnits-does-not-exist');
  });

  it('accepts the /proc/<pid>/ns/net form of CNI_NETNS', async () => {
    const pod = createNamespace('lo-pid');
    const { spawn } = await import('node:child_process');
    const sleeper = spawn('ip', ['netns', 'exec', pod.name, 'sleep', '30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 200));
      const pid = sleeper.pid; // ip netns exec execs sleep in place: same PID, inside the pod
      const r = await runOurPlugin('loopback', { command: 'ADD', config: conf('1.0.0'), containerId: 'c6', netns: `/proc/${pid}/ns/net`, ifname: 'lo', node });
      expect(r.code, r.stdout).toBe(0);
      expect(r.json.interfaces[0].sandbox).toBe(`/proc/${pid}/ns/net`);
    } finally {
      sleeper.kill();
      pod.remove();
    }
  });

  it('bad input changes nothing and gets the right codes', async () => {
    const pod = createNamespace('lo-bad');
    pod.exec(['ip', 'link', 'set', 'lo', 'down']);
    const cases: [Record<string, unknown>, string | undefined, number][] = [
      [{ command: 'ADD', stdin: '{"cniVersion":' }, undefined, 6],
      [{ command: 'ADD', config: conf('9.9.9') }, undefined, 1],
      [{ command: 'ADD', config: { cniVersion: '1.0.0', type: 'loopback' } }, undefined, 7],
      [{ command: 'ADD', config: conf('1.0.0'), ifname: 'x'.repeat(16) }, undefined, 4],
      [{ command: 'ADD', config: conf('1.0.0'), containerId: 'bad id' }, undefined, 4],
    ];
    for (const [call, , code] of cases) {
      const r = await runOurPlugin('loopback', { containerId: 'c7', netns: pod.path, ifname: 'lo', node, ...call } as never);
      expect(r.code).toBe(1);
      expect(r.json.code, JSON.stringify(call)).toBe(code);
    }
    expect(loUp(pod)).toBe(false);
    pod.remove();
  });
});
