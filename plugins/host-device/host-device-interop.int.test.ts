import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasGoPlugin, isRoot, removeAllNamespaces } from '../../lib/testing/index.ts';
import { GO_HOST_DEVICE, type HostDeviceEnv, OUR_HOST_DEVICE, attach, createHostDeviceEnv } from './test-env.ts';

// Interoperability with Debian's Go host-device (1.1.1): both keep the original name in the
// link's alias, so an attachment made by one is returned to the node by the other (a node
// upgraded or downgraded between ADD and DEL).

describe.skipIf(!isRoot() || !hasGoPlugin('host-device'))('host-device: interop with the Go plugin', () => {
  let env: HostDeviceEnv;
  beforeAll(() => {
    env = createHostDeviceEnv('hdgo');
  });
  afterAll(() => {
    removeAllNamespaces();
    env?.dispose();
  });

  it('ADD by ours, CHECK and DEL by Go: the device is back on the node under its name, the address released', async () => {
    env.vethDevice('hdo0', '10.77.0.1/24');
    const mac = env.link(env.node, 'hdo0')?.address;
    const config = env.confWithIpam('ours', '10.77.0.0/24', { device: 'hdo0' });
    const pod = env.pod('o');
    const r = await env.run({ command: 'ADD', config, ...attach(pod, 'ours-1') }, OUR_HOST_DEVICE);
    expect(r.code, r.stdout).toBe(0);
    const c = await env.run({ command: 'CHECK', config: { ...config, prevResult: r.json }, ...attach(pod, 'ours-1') }, GO_HOST_DEVICE);
    expect(c.code, c.stdout).toBe(0);
    const d = await env.run({ command: 'DEL', config, ...attach(pod, 'ours-1') }, GO_HOST_DEVICE);
    expect(d.code, d.stdout).toBe(0);
    expect(env.names(pod)).toEqual(['lo']);
    expect(env.link(env.node, 'hdo0')).toMatchObject({ address: mac, ifalias: 'hdo0' }); // Go 1.1.1 leaves the alias
    expect(env.ipamFiles()).toEqual([]);
    // and ours takes a device Go left with a stale alias again
    const again = await env.run({ command: 'ADD', config, ...attach(pod, 'ours-2') }, OUR_HOST_DEVICE);
    expect(again.code, again.stdout).toBe(0);
    expect((await env.run({ command: 'DEL', config, ...attach(pod, 'ours-2') }, OUR_HOST_DEVICE)).code).toBe(0);
    expect(env.link(env.node, 'hdo0')?.ifalias).toBeUndefined();
  });

  it('ADD by Go, CHECK and DEL by ours: the device is back on the node under its name, alias cleared, the address released', async () => {
    env.vethDevice('hdg0', '10.78.0.1/24');
    const mac = env.link(env.node, 'hdg0')?.address;
    const config = env.confWithIpam('go', '10.78.0.0/24', { device: 'hdg0' });
    const pod = env.pod('g');
    const r = await env.run({ command: 'ADD', config, ...attach(pod, 'go-1') }, GO_HOST_DEVICE);
    expect(r.code, r.stdout).toBe(0);
    expect(env.link(pod, 'net1')).toMatchObject({ ifalias: 'hdg0', address: mac });
    const c = await env.run({ command: 'CHECK', config: { ...config, prevResult: r.json }, ...attach(pod, 'go-1') }, OUR_HOST_DEVICE);
    expect(c.code, c.stdout).toBe(0);
    const d = await env.run({ command: 'DEL', config, ...attach(pod, 'go-1') }, OUR_HOST_DEVICE);
    expect(d.code, d.stdout).toBe(0);
    expect(env.names(pod)).toEqual(['lo']);
    const back = env.link(env.node, 'hdg0');
    expect(back).toMatchObject({ address: mac });
    expect(back?.ifalias).toBeUndefined();
    expect(env.ipamFiles()).toEqual([]);
  });

  it('after the pod namespace is gone, Go\'s DEL fails (it must open the namespace) where ours succeeds', async () => {
    env.vethDevice('hdn0');
    const config = env.conf('gone', { device: 'hdn0' });
    const pod = env.pod('n');
    expect((await env.run({ command: 'ADD', config, ...attach(pod, 'gone-1') }, GO_HOST_DEVICE)).code).toBe(0);
    pod.remove();
    const go = await env.run({ command: 'DEL', config, ...attach(pod, 'gone-1') }, GO_HOST_DEVICE);
    expect(go.code).toBe(1);
    expect(go.json.msg).toMatch(/failed to open netns/);
    const ours = await env.run({ command: 'DEL', config, ...attach(pod, 'gone-1') }, OUR_HOST_DEVICE);
    expect(ours.code, ours.stdout).toBe(0);
  });
});
