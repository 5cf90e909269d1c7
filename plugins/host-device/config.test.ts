import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CniError, type ConfigRequest } from '../../lib/cni/index.ts';
import { parseDelConfig, parseHostDeviceConfig } from './config.ts';
import { auxNetDevices, kernelPathNetDevices, pciNetDevices } from './sysfs.ts';

// A sysfs tree of our own: a PCI function with a netdev, a virtio one, one bound to vfio-pci,
// one without a driver, an auxiliary device and a kernel object path.
let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'cnits-hd-sysfs-'));
  const pci = (id: string) => join(root, 'bus/pci/devices', id);
  const drivers = join(root, 'bus/pci/drivers');
  for (const d of ['virtio-pci', 'vfio-pci', 'ixgbe']) mkdirSync(join(drivers, d), { recursive: true });
  mkdirSync(join(pci('0000:00:04.0'), 'net/ens4'), { recursive: true });
  symlinkSync(join(drivers, 'ixgbe'), join(pci('0000:00:04.0'), 'driver'));
  mkdirSync(join(pci('0000:00:05.0'), 'virtio3/net/ens5'), { recursive: true });
  symlinkSync(join(drivers, 'virtio-pci'), join(pci('0000:00:05.0'), 'driver'));
  mkdirSync(pci('0000:00:06.0'), { recursive: true });
  symlinkSync(join(drivers, 'vfio-pci'), join(pci('0000:00:06.0'), 'driver'));
  mkdirSync(join(pci('0000:00:07.0'), 'net/ens7a'), { recursive: true });
  mkdirSync(join(pci('0000:00:07.0'), 'net/ens7b'), { recursive: true });
  mkdirSync(join(root, 'bus/auxiliary/devices/mlx5_core.sf.4/net/en3f0pf0sf4'), { recursive: true });
  mkdirSync(join(root, 'devices/pci0000:00/0000:00:08.0/net/ens8'), { recursive: true });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function req(extra: Record<string, unknown>, cniVersion = '1.1.0'): ConfigRequest {
  const config = { cniVersion, name: 'net', type: 'host-device', ...extra };
  return { command: 'ADD', config, stdin: Buffer.from(JSON.stringify(config)), cniVersion, path: [], env: {} };
}

function refusal(extra: Record<string, unknown>): { code: number; msg: string } {
  try {
    parseHostDeviceConfig(req(extra), root);
  } catch (e) {
    if (e instanceof CniError) return { code: e.code, msg: e.msg };
    throw e;
  }
  throw new Error('expected a CniError');
}

describe('parseHostDeviceConfig', () => {
  it('reads each way of naming the device, in the reference\'s precedence', () => {
    const cfg = parseHostDeviceConfig(req({ pciBusID: '0000:00:04.0', kernelpath: '/sys/devices/pci0000:00/0000:00:08.0', hwaddr: 'AA-BB-CC-00-11-22', device: 'eth1' }), root);
    expect(cfg.selectors).toEqual([
      { by: 'name', key: 'device', name: 'eth1' },
      { by: 'mac', key: 'hwaddr', mac: 'aa:bb:cc:00:11:22' },
      { by: 'kernelpath', key: 'kernelpath', path: '/sys/devices/pci0000:00/0000:00:08.0' },
      { by: 'pci', key: 'pciBusID', id: '0000:00:04.0' },
    ]);
    expect(cfg).toMatchObject({ dpdk: false, ipamType: undefined, dns: undefined });
  });

  it('the runtime\'s deviceID replaces pciBusID when it is a PCI function, else names an auxiliary device', () => {
    expect(parseHostDeviceConfig(req({ pciBusID: '0000:00:04.0', runtimeConfig: { deviceID: '0000:00:05.0' } }), root).selectors).toEqual([
      { by: 'pci', key: 'runtimeConfig.deviceID', id: '0000:00:05.0' },
    ]);
    expect(parseHostDeviceConfig(req({ pciBusID: '0000:00:04.0', runtimeConfig: { deviceID: 'mlx5_core.sf.4' } }), root).selectors).toEqual([
      { by: 'auxiliary', key: 'runtimeConfig.deviceID', id: 'mlx5_core.sf.4' },
    ]);
  });

  it('a PCI function bound to a DPDK driver moves nothing; the DPDKMode key is read in any case', () => {
    expect(parseHostDeviceConfig(req({ pciBusID: '0000:00:06.0', device: 'x' }), root)).toMatchObject({ dpdk: true, selectors: [] });
    expect(parseHostDeviceConfig(req({ device: 'x', dpdkMode: true }), root)).toMatchObject({ dpdk: true, selectors: [] });
    // pciBusID decides over the key, as the reference overwrites it
    expect(parseHostDeviceConfig(req({ pciBusID: '0000:00:04.0', DPDKMode: true }), root).dpdk).toBe(false);
  });

  it('IPAM is optional, an empty type is none; DNS only when a field is set', () => {
    expect(parseHostDeviceConfig(req({ device: 'x', ipam: { type: 'host-local' }, dns: { nameservers: ['10.0.0.53'] } }), root)).toMatchObject({
      ipamType: 'host-local',
      dns: { nameservers: ['10.0.0.53'] },
    });
    expect(parseHostDeviceConfig(req({ device: 'x', ipam: { type: '' }, dns: {} }), root)).toMatchObject({ ipamType: undefined, dns: undefined });
  });

  it.each([
    [{}, 'missing device, hwaddr, kernelpath or pciBusID'],
    [{ device: 'a/b' }, 'invalid device "a/b"'],
    [{ device: 'sixteen-bytes-xx' }, 'invalid device "sixteen-bytes-xx"'],
    [{ device: 7 }, 'invalid device 7'],
    [{ hwaddr: 'zz:00:00:00:00:00' }, 'invalid hwaddr "zz:00:00:00:00:00"'],
    [{ kernelpath: 'sys/devices/x' }, 'invalid kernelpath "sys/devices/x"'],
    [{ kernelpath: '/sys/class/net/eth0' }, 'invalid kernelpath "/sys/class/net/eth0"'],
    [{ kernelpath: '/sys/devices/../class/net' }, 'invalid kernelpath "/sys/devices/../class/net"'],
    [{ pciBusID: '../../../etc' }, 'invalid pciBusID "../../../etc"'],
    [{ pciBusID: '0000:00:09.0' }, 'invalid pciBusID "0000:00:09.0"'],
    [{ runtimeConfig: { deviceID: 'nothing-here' } }, 'invalid runtimeConfig.deviceID "nothing-here"'],
    [{ runtimeConfig: { deviceID: '..' } }, 'invalid runtimeConfig.deviceID ".."'],
    [{ device: 'x', DPDKMode: 'yes' }, 'invalid DPDKMode "yes"'],
    [{ device: 'x', ipam: 'host-local' }, 'invalid ipam "host-local"'],
  ])('refuses %j with code 7: %s', (extra, msg) => {
    expect(refusal(extra)).toEqual({ code: 7, msg });
  });
});

describe('parseHostDeviceConfig at 0.1.0 and 0.2.0', () => {
  it('needs IPAM: such a result holds only addresses, so an ADD without would fail after the move', () => {
    for (const v of ['0.1.0', '0.2.0']) {
      expect(() => parseHostDeviceConfig(req({ device: 'x' }, v), root)).toThrow(expect.objectContaining({ code: 7, msg: 'missing ipam' }));
      expect(parseHostDeviceConfig(req({ device: 'x', ipam: { type: 'static' } }, v), root).ipamType).toBe('static');
    }
    expect(parseHostDeviceConfig(req({ device: 'x' }, '0.3.0'), root).ipamType).toBeUndefined();
  });
});

describe('parseDelConfig', () => {
  it('reads only the IPAM type and a usable device name, whatever else is wrong', () => {
    expect(parseDelConfig(req({ device: 'eth1', hwaddr: 'bad', ipam: { type: 'static' } }))).toEqual({ ipamType: 'static', device: 'eth1' });
    expect(parseDelConfig(req({ device: 'a/b', ipam: 'x' }))).toEqual({ ipamType: undefined, device: undefined });
  });
});

describe('sysfs lookups', () => {
  it('find the netdevs of a PCI function (directly or under virtio*), an auxiliary device and a kernel path', () => {
    expect(pciNetDevices(root, '0000:00:04.0')).toEqual(['ens4']);
    expect(pciNetDevices(root, '0000:00:05.0')).toEqual(['ens5']);
    expect(pciNetDevices(root, '0000:00:06.0')).toBeUndefined();
    expect(pciNetDevices(root, '0000:00:07.0')).toEqual(['ens7a', 'ens7b']);
    expect(auxNetDevices(root, 'mlx5_core.sf.4')).toEqual(['en3f0pf0sf4']);
    expect(kernelPathNetDevices(root, '/sys/devices/pci0000:00/0000:00:08.0')).toEqual(['ens8']);
    expect(kernelPathNetDevices(root, '/sys/devices/none')).toBeUndefined();
  });
});
