import { describe, expect, it } from 'vitest';
import { criContainerdConfig, NODE_PATHS, PAUSE_IMAGE, podConflist } from './cri-config.ts';

describe('criContainerdConfig', () => {
  it('turns the CRI plugin on with our plugin and conflist directories, the local pause image and cgroupfs', () => {
    const toml = criContainerdConfig({ snapshotter: 'overlayfs' });
    expect(toml).not.toContain('disabled_plugins');
    expect(toml).toContain(`sandbox_image = "${PAUSE_IMAGE}"`);
    expect(toml).toContain(`bin_dir = "${NODE_PATHS.binDir}"`);
    expect(toml).toContain(`conf_dir = "${NODE_PATHS.confDir}"`);
    expect(toml).toContain('SystemdCgroup = false');
    expect(toml).toContain('snapshotter = "overlayfs"');
    expect(toml).toContain('restrict_oom_score_adj = true');
    expect(toml).toContain('[debug]\n  address = ""');
    expect(toml).not.toContain('cni_conf_dir');
  });

  it('adds a runtime handler with its own conflist directory when asked', () => {
    const toml = criContainerdConfig({ snapshotter: 'native', isolatedHandler: 'isolated' });
    expect(toml).toContain('[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.isolated]');
    expect(toml).toContain(`cni_conf_dir = "${NODE_PATHS.isolatedConfDir}"`);
  });
});

describe('podConflist', () => {
  const net = { name: 'n', bridge: 'cni0', subnet: '10.244.2.0/24', gateway: '10.244.2.1', cniVersion: '1.0.0' };

  it('chains bridge, portmap, firewall and bandwidth on the node range, without ipMasq', () => {
    const c = podConflist({ ...net, full: true }) as { plugins: Record<string, unknown>[] };
    expect(c.plugins.map((p) => p.type)).toEqual(['bridge', 'portmap', 'firewall', 'bandwidth']);
    expect(c.plugins[0]).toMatchObject({ bridge: 'cni0', isGateway: true, ipMasq: false, ipam: { type: 'host-local', ranges: [[{ subnet: '10.244.2.0/24', gateway: '10.244.2.1' }]] } });
    expect(c.plugins[1]).toMatchObject({ capabilities: { portMappings: true } });
    expect(c.plugins[2]).toMatchObject({ ingressPolicy: 'same-bridge' });
    expect(c.plugins[3]).toMatchObject({ capabilities: { bandwidth: true } });
  });

  it('leaves portmap and bandwidth out of the isolated network', () => {
    const c = podConflist({ ...net, full: false }) as { plugins: Record<string, unknown>[] };
    expect(c.plugins.map((p) => p.type)).toEqual(['bridge', 'firewall']);
  });
});
