import hostDeviceJson from '../../schemas/host-device.json' with { type: 'json' };
import { type ConfigRequest, CniError, type Dns, ErrorCode, familyOf, parseMac } from '../../lib/cni/index.ts';
import { checkConfig } from '../../lib/cni/json-schema.ts';
import type { HostDeviceKeys } from './schema.ts';
import { SYSFS_ROOT, USERSPACE_DRIVERS, deviceIdKind, pciDriver, pciExists } from './sysfs.ts';

/** One way the configuration names the device, with the key it came from (for messages). */
export type DeviceSelector =
  | { readonly by: 'name'; readonly key: 'device'; readonly name: string }
  | { readonly by: 'mac'; readonly key: 'hwaddr'; readonly mac: string }
  | { readonly by: 'kernelpath'; readonly key: 'kernelpath'; readonly path: string }
  | { readonly by: 'pci'; readonly key: 'pciBusID' | 'runtimeConfig.deviceID'; readonly id: string }
  | { readonly by: 'auxiliary'; readonly key: 'runtimeConfig.deviceID'; readonly id: string };

/** The host-device plugin's configuration, normalised. */
export interface HostDeviceConfig {
  /**
   * Every way the configuration names the device, in the reference's precedence (device,
   * hwaddr, kernelpath, PCI address, auxiliary device): the first decides, and the others
   * must name the same device. Empty in DPDK mode, where no netdev moves.
   */
  readonly selectors: readonly DeviceSelector[];
  /** A PCI function bound to a user-space driver: nothing moves, IPAM still runs. */
  readonly dpdk: boolean;
  /** undefined: no IPAM (the device keeps no addresses of ours). */
  readonly ipamType: string | undefined;
  /** The configuration's DNS settings, when any field is set. */
  readonly dns: Dns | undefined;
}

const PCI_ADDRESS = /^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i;
// auxiliary devices are named <driver>.<function>.<n> (e.g. mlx5_core.sf.4); a name, not a path
const AUX_NAME = /^[A-Za-z0-9_.:-]+$/;

function invalid(key: string, value: unknown, expected: string): CniError {
  return new CniError(ErrorCode.InvalidConfig, `invalid ${key} ${JSON.stringify(value)}`, expected);
}

function checkDeviceName(name: string): string {
  if (Buffer.byteLength(name) > 15 || name === '.' || name === '..' || /[/:\s]/.test(name)) {
    throw invalid('device', name, 'expected an interface name: at most 15 bytes, without "/", ":" or whitespace');
  }
  return name;
}

function checkKernelPath(path: string): string {
  // the reference's rule; ".." segments would leave /sys/devices while looking inside it
  if (!path.startsWith('/sys/devices/') || path.split('/').some((s) => s === '..' || s === '.')) {
    throw invalid('kernelpath', path, 'expected an absolute path that begins with /sys/devices/, such as "/sys/devices/pci0000:00/0000:00:04.0"');
  }
  return path;
}

function checkPciAddress(key: string, id: string): string {
  if (!PCI_ADDRESS.test(id)) throw invalid(key, id, 'expected a PCI address such as "0000:00:04.0" (domain:bus:device.function)');
  return id.toLowerCase();
}

function normaliseDns(raw: Record<string, unknown> | undefined): Dns | undefined {
  if (!raw) return undefined;
  const out: Dns = {};
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  if (strings(raw.nameservers).length) out.nameservers = strings(raw.nameservers);
  if (typeof raw.domain === 'string' && raw.domain) out.domain = raw.domain;
  if (strings(raw.search).length) out.search = strings(raw.search);
  if (strings(raw.options).length) out.options = strings(raw.options);
  return Object.keys(out).length ? out : undefined;
}

/**
 * The reference reads its untagged DPDKMode field from any spelling of the key (Go's
 * case-insensitive match): the last one written wins.
 */
function dpdkModeKey(config: Record<string, unknown>): boolean {
  let on = false;
  for (const [k, v] of Object.entries(config)) {
    if (k.toLowerCase() !== 'dpdkmode' || v === null || v === undefined) continue;
    if (typeof v !== 'boolean') throw invalid(k, v, 'expected true or false');
    on = v;
  }
  return on;
}

/**
 * Parses the configuration: which device it names, and how (the runtime's deviceID is looked
 * up in sysfs: a PCI function replaces pciBusID, else an auxiliary device), whether it is a
 * DPDK-bound PCI function, and the optional IPAM.
 * @throws CniError code 7 naming the key and value of the first invalid field, or when no key
 *   names a device.
 */
export function parseHostDeviceConfig(req: ConfigRequest, sysfsRoot: string = SYSFS_ROOT): HostDeviceConfig {
  const c = checkConfig<HostDeviceKeys>(hostDeviceJson, req.config);
  const selectors: DeviceSelector[] = [];
  if (c.device) selectors.push({ by: 'name', key: 'device', name: checkDeviceName(c.device) });
  if (c.hwaddr) selectors.push({ by: 'mac', key: 'hwaddr', mac: parseMac(c.hwaddr, 'hwaddr') });
  if (c.kernelpath) selectors.push({ by: 'kernelpath', key: 'kernelpath', path: checkKernelPath(c.kernelpath) });

  let pci: DeviceSelector | undefined = c.pciBusID ? { by: 'pci', key: 'pciBusID', id: checkPciAddress('pciBusID', c.pciBusID) } : undefined;
  let aux: DeviceSelector | undefined;
  const deviceId = c.runtimeConfig?.deviceID;
  if (deviceId) {
    const key = 'runtimeConfig.deviceID';
    if (!AUX_NAME.test(deviceId) || deviceId === '.' || deviceId === '..') throw invalid(key, deviceId, 'expected a PCI address or an auxiliary device name');
    const kind = deviceIdKind(sysfsRoot, deviceId);
    if (kind === undefined) throw invalid(key, deviceId, 'no PCI function or auxiliary device of that name exists on this node');
    // the runtime's choice replaces the configuration's PCI address, as in the reference
    if (kind === 'pci') pci = { by: 'pci', key, id: deviceId.toLowerCase() };
    else [pci, aux] = [undefined, { by: 'auxiliary', key, id: deviceId }];
  }
  if (pci) selectors.push(pci);
  if (aux) selectors.push(aux);
  if (selectors.length === 0) {
    throw new CniError(ErrorCode.InvalidConfig, 'missing device, hwaddr, kernelpath or pciBusID', 'name the node\'s device to move: "device" (its name), "hwaddr", "kernelpath", "pciBusID" or the runtime\'s deviceID');
  }

  let dpdk = dpdkModeKey(req.config);
  if (pci?.by === 'pci') {
    if (!pciExists(sysfsRoot, pci.id)) throw invalid(pci.key, pci.id, 'no PCI function of that address exists on this node');
    const driver = pciDriver(sysfsRoot, pci.id);
    dpdk = driver !== undefined && USERSPACE_DRIVERS.includes(driver);
  }
  const ipamType = c.ipam?.type || undefined;
  if (ipamType === undefined && familyOf(req.cniVersion) === '020') {
    // refused before the move: else the device would be in the pod when the result cannot be printed
    throw new CniError(ErrorCode.InvalidConfig, 'missing ipam', `a ${req.cniVersion} result holds only addresses: without IPAM there is nothing to answer; use cniVersion 0.3.0 or later, or give an ipam section`);
  }
  return {
    selectors: dpdk ? [] : selectors,
    dpdk,
    ipamType,
    dns: normaliseDns(c.dns as Record<string, unknown> | undefined),
  };
}

/**
 * What DEL needs, read leniently: a key that ADD would refuse must not make DEL fail too (the
 * runtime would retry it for ever). The device name is the fallback for the original name of
 * a device whose alias was lost.
 */
export function parseDelConfig(req: ConfigRequest): { readonly ipamType: string | undefined; readonly device: string | undefined } {
  const ipam = req.config.ipam as Record<string, unknown> | undefined | null;
  const ipamType = typeof ipam?.type === 'string' && ipam.type ? ipam.type : undefined;
  const device = req.config.device;
  let name: string | undefined;
  if (typeof device === 'string' && device) {
    try {
      name = checkDeviceName(device);
    } catch {
      name = undefined;
    }
  }
  return { ipamType, device: name };
}
