import { closeSync, openSync, readSync, realpathSync } from 'node:fs';
import type { AttachmentRequest, ConfigRequest, GcRequest, Result } from '../../lib/cni/index.ts';
import { hostLocalHandlers } from '../../lib/host-local/index.ts';
import { delegateAdd, delegateCheck, delegateDel, delegateGc, delegateStatus, findInPath } from '../../lib/invoke/index.ts';

/** The marker build.mjs writes into the preamble of every executable of this suite. */
const OUR_BUILD = 'cni-ts-plugin';

/**
 * True when CNI_PATH resolves the IPAM type to host-local of this very suite: then running it
 * in process gives the same result (same code, same on-disk state, same flock) without a
 * second Node start (about 40 ms per ADD and per DEL). Any other IPAM, Go's host-local
 * included, is executed as the spec describes.
 */
export function isOurHostLocal(type: string, path: readonly string[]): boolean {
  if (type !== 'host-local') return false;
  let fd: number | undefined;
  try {
    const file = findInPath(type, path);
    // the standalone build is one multi-call binary: host-local is then this very executable
    if (realpathSync(file) === realpathSync(process.execPath)) return true;
    fd = openSync(file, 'r');
    const head = Buffer.alloc(512);
    const n = readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, n).includes(OUR_BUILD);
  } catch {
    return false; // not found: let the delegation report it
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** IPAM calls of the bridge: in process for our own host-local, delegated otherwise. */
export interface IpamClient {
  add(req: AttachmentRequest): Promise<Result>;
  del(req: AttachmentRequest): Promise<void>;
  check(req: AttachmentRequest): Promise<void>;
  gc(req: GcRequest): Promise<void>;
  status(req: ConfigRequest): Promise<void>;
}

/** The IPAM client for a config's `ipam.type`. */
export function ipamClient(type: string, path: readonly string[]): IpamClient {
  if (isOurHostLocal(type, path)) {
    const h = hostLocalHandlers;
    return {
      add: (req) => h.add({ ...req, command: 'ADD' }),
      del: (req) => h.del({ ...req, command: 'DEL' }),
      check: (req) => h.check({ ...req, command: 'CHECK' }),
      gc: (req) => h.gc({ ...req, command: 'GC' }),
      status: (req) => h.status({ ...req, command: 'STATUS' }),
    };
  }
  return {
    add: (req) => delegateAdd(type, req.stdin, req.env),
    del: (req) => delegateDel(type, req.stdin, req.env),
    check: (req) => delegateCheck(type, req.stdin, req.env),
    gc: (req) => delegateGc(type, req.stdin, req.env),
    status: (req) => delegateStatus(type, req.stdin, req.env),
  };
}
