import { describe, expect, it } from 'vitest';
import { addressFromCache, containerdConfig, ctrNetwork } from './containerd.ts';
import { podmanNetwork } from './podman.ts';
import { containersConf, storageConf } from './podman-env.ts';

describe('podman configuration', () => {
  const paths = { dir: '/s/podman', netDir: '/s/podman/net.d', pluginDir: '/opt/cni/bin' };

  it('selects the CNI backend, our plugin and config dirs, runc and cgroupfs', () => {
    const conf = containersConf(paths, { name: 'net1', subnet: '10.1.0.0/24' });
    for (const line of [
      'network_backend = "cni"',
      'cni_plugin_dirs = ["/opt/cni/bin"]',
      'network_config_dir = "/s/podman/net.d"',
      'runtime = "runc"',
      'cgroup_manager = "cgroupfs"',
      'default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]',
    ]) expect(conf).toContain(line);
  });

  it('keeps static_dir inside the graph root so conmon\'s cleanup finds the container', () => {
    expect(containersConf(paths, { name: 'n', subnet: '10.1.0.0/24' })).toContain('static_dir = "/s/podman/graph/libpod"');
    expect(storageConf(paths)).toContain('graphroot = "/s/podman/graph"');
    expect(storageConf(paths)).toContain('driver = "vfs"');
  });

  it('uses a network of its own', () => {
    expect(podmanNetwork({ stateDir: '/s', cniVersion: '1.0.0', ipMasq: true })).toMatchObject({ subnet: '10.123.0.0/24', ipamDir: '/s/podman/ipam', ipMasq: true });
  });
});

describe('containerd configuration', () => {
  it('keeps root, state and sockets under its directory and disables CRI', () => {
    const conf = containerdConfig('/s/containerd');
    expect(conf).toContain('root = "/s/containerd/root"');
    expect(conf).toContain('state = "/s/containerd/state"');
    expect(conf).toContain('address = "/s/containerd/containerd.sock"');
    expect(conf).toContain('disabled_plugins = ["io.containerd.grpc.v1.cri"]');
  });

  it('gives the web network a static host port and the client network none', () => {
    expect(ctrNetwork({ stateDir: '/s', cniVersion: '1.0.0', ipMasq: true }, true).staticPortMappings).toEqual([{ hostPort: 18081, containerPort: 80, protocol: 'tcp' }]);
    expect(ctrNetwork({ stateDir: '/s', cniVersion: '1.0.0', ipMasq: true }, false).staticPortMappings).toBeUndefined();
  });

  it('reads the address from a libcni cache entry of any result version', () => {
    const v1 = JSON.stringify({ kind: 'cniCacheV1', result: { cniVersion: '1.0.0', ips: [{ address: 'fd00::2/64' }, { address: '10.124.0.2/24', gateway: '10.124.0.1' }] } });
    const v04 = JSON.stringify({ kind: 'cniCacheV1', result: { cniVersion: '0.4.0', ips: [{ version: '4', address: '10.124.0.3/24' }] } });
    expect(addressFromCache(v1)).toBe('10.124.0.2');
    expect(addressFromCache(v04)).toBe('10.124.0.3');
    expect(() => addressFromCache('{"result":{}}')).toThrow(/no IPv4 address/);
  });
});
