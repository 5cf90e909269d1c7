import { AddrError, type Ip, ipEquals, ipToString, parseCidr, unmapIPv4 } from '../addr/index.ts';
import {
  type AttachmentRequest,
  CniError,
  type ConfigRequest,
  ErrorCode,
  type GcRequest,
  type PluginHandlers,
  type Result,
  parsePrevResult,
} from '../cni/index.ts';
import { type Allocation, AllocationError, allocate, findHeld, releaseAttachment } from './allocator.ts';
import { parseConfig, parseStoreLocation } from './config.ts';
import { type DiskStoreOptions, withDiskStore } from './with-disk-store.ts';
import { join } from 'node:path';
import { writeAll } from '../sys/index.ts';
import { PlantedEntryError } from '../sys/state-file.ts';
import type { StoreLocation } from './config.ts';
import type { Store } from './store.ts';
import { loadResolvConf } from './dns.ts';
import { rangeSetContains, rangeSetToString } from './range-set.ts';
import { collectGarbage, exhaustedRangeSets } from './usage.ts';

/**
 * withDiskStore, with a planted network directory or lock reported as an I/O failure (code
 * 5) naming the path: nothing was followed or written.
 */
function withStore<T>(location: StoreLocation, fn: (store: Store) => T, options?: DiskStoreOptions): T {
  try {
    return withDiskStore(location, fn, options);
  } catch (e) {
    throw withStoreError(e);
  }
}

function withStoreError(e: unknown): unknown {
  return e instanceof PlantedEntryError ? new CniError(ErrorCode.IoFailure, `host-local: ${e.message}`) : e;
}

function toIpConfig(a: Allocation): { address: string; gateway: string } {
  return { address: `${ipToString(a.ip)}/${a.range.subnet.prefix}`, gateway: ipToString(a.range.gateway) };
}

/** ADD: one address per range set, recorded on disk; an abbreviated IPAM result. */
async function add(req: AttachmentRequest): Promise<Result> {
  const conf = parseConfig(req.config, req.cniVersion, req.args);
  for (const line of conf.warnings) writeAll(2, `${line}\n`);
  const dns = conf.resolvConf === undefined ? undefined : loadResolvConf(conf.resolvConf);
  let allocations: Allocation[];
  try {
    allocations = withStore(conf, (store) => {
      store.reclaimDamaged();
      return allocate(store, conf.rangeSets, { owner: req, requested: conf.requestedIps });
    });
  } catch (e) {
    if (e instanceof AllocationError) throw new CniError(ErrorCode.Internal, e.message);
    throw e;
  }
  const result: Result = { cniVersion: '1.1.0', ips: allocations.map(toIpConfig) };
  if (conf.routes.length) result.routes = conf.routes.map((r) => ({ ...r }));
  if (dns && Object.keys(dns).length) result.dns = dns;
  return result;
}

/**
 * DEL: releases whatever the attachment holds (legacy id-only files when it holds nothing
 * else), and reservation files that name nobody (see DiskStore.reclaimDamaged): a runtime's
 * DEL after an ADD killed mid-write frees its address without waiting for a GC. Unknown
 * attachments, a missing directory and ranges that no longer validate are all fine: DEL must
 * always be able to clean up. A planted network directory or lock holds nothing of ours:
 * it is named on stderr and DEL succeeds.
 */
async function del(req: AttachmentRequest): Promise<void> {
  const location = parseStoreLocation(req.config);
  try {
    withDiskStore(
      location,
      (store) => {
        releaseAttachment(store, req);
        store.reclaimDamaged();
      },
      { create: false, retryStale: true },
    );
  } catch (e) {
    if (!(e instanceof PlantedEntryError) || e.path !== join(location.dataDir, location.network)) throw withStoreError(e);
    writeAll(2, `host-local: ${e.message}; nothing of this network can be released there\n`);
  }
}

function prevResultIps(req: AttachmentRequest): Ip[] {
  const prev = parsePrevResult(req.config);
  return (prev?.ips ?? []).map((ipc, i) => {
    try {
      return unmapIPv4(parseCidr(ipc.address).ip);
    } catch (e) {
      const why = e instanceof AddrError ? e.message : String(e);
      throw new CniError(ErrorCode.InvalidConfig, `invalid prevResult.ips[${i}].address ${JSON.stringify(ipc.address)}`, why);
    }
  });
}

/**
 * CHECK: the attachment holds a reservation, and every prevResult address that falls in
 * this config's ranges is reserved by this very attachment.
 */
async function check(req: AttachmentRequest): Promise<void> {
  const conf = parseConfig(req.config, req.cniVersion, req.args);
  const expected = prevResultIps(req).filter((ip) => conf.rangeSets.some((set) => rangeSetContains(set, ip)));
  withStore(
    conf,
    (store) => {
      const held = findHeld(store, req);
      if (held.length === 0) throw new CniError(ErrorCode.Internal, `host-local: Failed to find address added by container ${req.containerId}`);
      const missing = expected.find((ip) => !held.some((h) => ipEquals(h.ip, ip)));
      if (missing) {
        throw new CniError(
          ErrorCode.Internal,
          `host-local: address ${ipToString(missing)} from prevResult is not reserved for container ${req.containerId} interface ${req.ifname}`,
          `reserved for it: ${held.map((h) => h.name).join(', ')}`,
        );
      }
    },
    { create: false },
  );
}

/**
 * GC: releases every reservation of this network whose attachment is not listed as valid.
 * A request without the list (the key absent) releases nothing.
 */
async function gc(req: GcRequest): Promise<void> {
  const valid = req.validAttachments;
  if (valid === undefined) return;
  const location = parseStoreLocation(req.config);
  const outcome = withStore(location, (store) => collectGarbage(store, valid), { create: false, rescan: true });
  if (outcome.errors.length) {
    throw new CniError(
      ErrorCode.Internal,
      `host-local: GC could not release ${outcome.errors.length} reservation(s) of network ${location.network}`,
      outcome.errors.join('; '),
    );
  }
}

/** STATUS: fine while every range set has a free address; code 50 naming the ones without. */
async function status(req: ConfigRequest): Promise<void> {
  const conf = parseConfig(req.config, req.cniVersion);
  const exhausted = withStore(conf, (store) => exhaustedRangeSets(store, conf.rangeSets), { create: false });
  const first = exhausted[0];
  if (first === undefined) return;
  const names = exhausted.map((i) => `${i} (${rangeSetToString(conf.rangeSets[i] ?? [])})`);
  throw new CniError(
    ErrorCode.PluginNotAvailable,
    `no IP addresses available in range set: ${rangeSetToString(conf.rangeSets[first] ?? [])}`,
    `exhausted range sets: ${names.join(', ')}`,
  );
}

/** The host-local verbs for skel; every one present, so the bridge can call them in process. */
export const handlers = { add, del, check, gc, status } satisfies Required<PluginHandlers>;
