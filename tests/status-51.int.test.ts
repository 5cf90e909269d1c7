import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST_BIN, type PluginOutcome, type TestNamespace, createNamespace, isRoot, removeAllNamespaces, runPluginBinary } from '../lib/testing/index.ts';
import { type FirewallEnv, type TestPod, createFirewallEnv } from '../plugins/firewall/test-env.ts';

// STATUS through the built plugins: code 50 when an ADD could not pick a firewall backend, 51
// when, besides, the kernel holds running pods' rules that only the missing tool could check,
// repair or remove. A tool is "missing" for one run only: the plugin runs in a private mount
// namespace where a non-executable empty file is bind-mounted over it (nothing changes for
// anyone else). The pods' rules live in a throwaway node namespace.

type Tool = 'nft' | 'iptables' | 'iptables-restore';

describe.skipIf(!isRoot())('STATUS 50 and 51 (firewall backends)', () => {
  let env: FirewallEnv;
  let dir: string;
  const pods: TestNamespace[] = [];
  beforeAll(() => {
    env = createFirewallEnv('st51');
    dir = mkdtempSync(join(tmpdir(), 'cnits-st51-'));
    writeFileSync(join(dir, 'not-installed'), '');
    chmodSync(join(dir, 'not-installed'), 0o644);
  });
  afterAll(() => {
    for (const p of pods) p.remove();
    env?.dispose();
    removeAllNamespaces();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The plugin `name` of dist/bin, run as if `tools` were not installed. */
  function without(name: string, tools: readonly Tool[]): string {
    const wrapper = join(dir, `${name}-without-${tools.join('-')}`);
    // /usr/sbin/iptables is a symlink: the bind mount lands on its target, which
    // iptables-restore shares (xtables-nft-multi), so hiding one hides both
    const mounts = tools.map((t) => `mount --bind ${join(dir, 'not-installed')} /usr/sbin/${t}`).join(' && ');
    writeFileSync(wrapper, `#!/bin/sh\nexec unshare -m --propagation private sh -c '${mounts} && exec ${join(DIST_BIN, name)}'\n`);
    chmodSync(wrapper, 0o755);
    return wrapper;
  }
  function run(binary: string, command: string, config: Record<string, unknown>, pod?: { ns: TestNamespace; containerId: string }): Promise<PluginOutcome> {
    const attach = pod ? { containerId: pod.containerId, netns: pod.ns.path, ifname: 'eth0' } : {};
    return runPluginBinary(binary, { command, config, path: DIST_BIN, node: env.node, ...attach });
  }
  const status = (name: string, config: Record<string, unknown>, tools: readonly Tool[] = []) =>
    run(tools.length > 0 ? without(name, tools) : join(DIST_BIN, name), 'STATUS', { ...config, cniVersion: '1.1.0' });
  function expectCode(r: PluginOutcome, code: number, msg?: RegExp): void {
    if (code === 0) {
      expect(r.code, r.stdout + r.stderr).toBe(0);
      return;
    }
    expect(r.json, r.stdout + r.stderr).toMatchObject({ code });
    if (msg) expect((r.json as { msg: string }).msg).toMatch(msg);
  }

  let n = 0;
  /** A pod of network `name` attached by our bridge with `ipMasq` and the given backend (ptp: our ptp). */
  async function masqPod(type: 'bridge' | 'ptp', backend: 'iptables' | 'nftables') {
    n++;
    const ns = createNamespace(`st51-m${n}`);
    pods.push(ns);
    const ipam = { type: 'host-local', subnet: `10.93.${n}.0/24`, dataDir: join(dir, 'ipam'), routes: [{ dst: '0.0.0.0/0' }] };
    const config: Record<string, unknown> = { cniVersion: '1.0.0', name: `masq${n}`, type, ipMasq: true, ipMasqBackend: backend, ipam };
    if (type === 'bridge') Object.assign(config, { bridge: `br-m${n}`, isGateway: true });
    const pod = { ns, containerId: `masq-${n}` };
    const add = await run(join(DIST_BIN, type), 'ADD', config, pod);
    expect(add.code, add.stdout + add.stderr).toBe(0);
    return { pod, config, result: add.json as Record<string, unknown> };
  }

  for (const type of ['bridge', 'ptp'] as const) {
    it(`${type} ipMasq with nftables: 50 without nft, 51 once a pod's masquerade rule is in the kernel, 50 again after its DEL`, async () => {
      const probe = { cniVersion: '1.1.0', name: 'probe', type, bridge: 'br-probe', ipMasq: true, ipMasqBackend: 'nftables', ipam: { type: 'host-local', subnet: '10.93.200.0/24', dataDir: join(dir, 'ipam') } };
      // no pod in the node yet (a ptp case runs after the bridge case: its DEL left the table, not the rules)
      expectCode(await status(type, probe, ['nft']), 50, /^masquerade backend "nftables" is not usable: nft not found in PATH$/);
      const { pod, config, result } = await masqPod(type, 'nftables');
      expectCode(await status(type, probe), 0);
      const r = await status(type, probe, ['nft']);
      expectCode(r, 51, /^masquerade backend "nftables" is not usable: nft not found in PATH; existing pods' masquerade rules are in the kernel \(nftables: inet cni_plugins_masquerade \^masq_checks\$\)/);
      expect((r.json as { details: string }).details).toMatch(/^install nft: until then existing pods may have limited connectivity/);
      const del = await run(join(DIST_BIN, type), 'DEL', { ...config, prevResult: result }, pod);
      expect(del.code, del.stdout).toBe(0);
      expectCode(await status(type, probe, ['nft']), 50);
    });
  }

  it('bridge ipMasq with iptables (iptables-nft): 51 while a pod has its CNI-<hash> chain, 50 after its DEL', async () => {
    const { pod, config, result } = await masqPod('bridge', 'iptables');
    const r = await status('bridge', config, ['iptables']);
    expectCode(r, 51, /^masquerade backend "iptables" is not usable: iptables, iptables-restore not found in PATH; existing pods' masquerade rules are in the kernel \(iptables: ip nat /);
    const del = await run(join(DIST_BIN, 'bridge'), 'DEL', { ...config, prevResult: result }, pod);
    expect(del.code, del.stdout).toBe(0);
    expectCode(await status('bridge', config, ['iptables']), 50);
  });

  describe('portmap', () => {
    let pod: TestPod;
    beforeAll(async () => {
      pod = await env.pod(env.nets[0], 'st51-pm');
    });
    const conf = (backend?: 'iptables' | 'nftables', port = 18451) => ({
      ...env.conf(pod, { type: 'portmap', stateDir: join(dir, 'portmap'), runtimeConfig: { portMappings: [{ hostPort: port, containerPort: 80, protocol: 'tcp' }] } }),
      ...(backend ? { backend } : {}),
    });

    it('STATUS is 50 naming the missing tools when neither iptables-restore nor nft is installed, 0 with them', async () => {
      expectCode(await status('portmap', conf(), ['iptables', 'nft']), 50, /^no usable portmap backend: none of iptables-restore, nft found in PATH$/);
      expectCode(await status('portmap', conf('nftables'), ['nft']), 50, /^portmap backend "nftables" is not usable: nft not found in PATH$/);
      expectCode(await status('portmap', conf()), 0);
    });

    for (const [backend, tools, rules] of [
      ['nftables', ['nft'], /nftables: ip cni_hostport \^\(hostports\|hostip_hostports\)\$/],
      ['iptables', ['iptables'], /iptables: ip nat \^CNI-DN-/],
    ] as const) {
      it(`${backend}: 51 while a pod's port mapping is in the kernel, 50 after its DEL`, async () => {
        const config = conf(backend, backend === 'nftables' ? 18452 : 18453);
        const add = await run(join(DIST_BIN, 'portmap'), 'ADD', config, pod);
        expect(add.code, add.stdout + add.stderr).toBe(0);
        const r = await status('portmap', config, tools);
        expectCode(r, 51, rules);
        expectCode(await status('portmap', config), 0);
        const del = await run(join(DIST_BIN, 'portmap'), 'DEL', config, pod);
        expect(del.code, del.stdout).toBe(0);
        expectCode(await status('portmap', config, tools), 50);
      });
    }
  });

  it('firewall nftables: 50 without nft before any pod and after the last DEL (the admin jump alone is no pod), 51 in between', async () => {
    const pod = await env.pod(env.nets[1], 'st51-fw');
    const config = env.conf(pod, { backend: 'nftables' });
    const stateDir = { stateDir: join(dir, 'fw-state') };
    expectCode(await status('firewall', { ...config, ...stateDir }, ['nft']), 50, /^firewall backend "nftables" is not usable: nft not found in PATH$/);
    const add = await run(join(DIST_BIN, 'firewall'), 'ADD', { ...config, ...stateDir }, pod);
    expect(add.code, add.stdout + add.stderr).toBe(0);
    expectCode(await status('firewall', { ...config, ...stateDir }, ['nft']), 51, /nftables: inet cni_plugins_firewall \^CNI-FORWARD\$/);
    const del = await run(join(DIST_BIN, 'firewall'), 'DEL', { ...config, ...stateDir }, pod);
    expect(del.code, del.stdout).toBe(0);
    expect(env.nftTable()).toContain('CNI-FORWARD'); // the table and the admin jump stay
    expectCode(await status('firewall', { ...config, ...stateDir }, ['nft']), 50);
  });
});
