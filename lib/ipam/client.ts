import { readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type AttachmentRequest, type ConfigRequest, type GcRequest, type Result, validateIpamType } from '../cni/index.ts';
import { BINARY_NAME, isPluginFront } from '../cni/plugin-front.ts';
import { hostLocalHandlers } from '../host-local/index.ts';
import { delegateAdd, delegateCheck, delegateDel, delegateGc, delegateStatus, findInPath } from '../invoke/index.ts';
import type { UndoStack } from '../undo.ts';

/** Whether `file` is dist/bin's sh front of host-local (small: a front is a few hundred bytes). */
function isHostLocalFront(file: string): boolean {
  return statSync(file).size < 4096 && isPluginFront(readFileSync(file, 'utf8'), 'host-local');
}

/**
 * True when CNI_PATH resolves the IPAM type to host-local of this very executable (dist/bin is
 * one multi-call binary, and host-local either a link to it or its sh front beside it,
 * lib/cni/plugin-front.ts): then running it in process gives the
 * same result (same code, same on-disk state, same flock) without a second process start.
 * Any other IPAM, Go's host-local or another build of ours included, is executed as the spec
 * describes. `self` is this process's executable.
 */
export function isOurHostLocal(type: string, path: readonly string[], self: string = process.execPath): boolean {
  if (type !== 'host-local') return false;
  try {
    const found = realpathSync(findInPath(type, path));
    const me = realpathSync(self);
    if (found === me) return true;
    return realpathSync(join(dirname(found), BINARY_NAME)) === me && isHostLocalFront(found);
  } catch {
    return false; // not found: let the delegation report it
  }
}

/** A plugin's IPAM calls: in process for our own host-local, delegated otherwise. */
export interface IpamClient {
  add(req: AttachmentRequest): Promise<Result>;
  del(req: AttachmentRequest): Promise<void>;
  check(req: AttachmentRequest): Promise<void>;
  gc(req: GcRequest): Promise<void>;
  status(req: ConfigRequest): Promise<void>;
}

/** The IPAM client for a config's `ipam.type`. @throws CniError code 7 for a type that cannot name a plugin. */
export function ipamClient(type: string, path: readonly string[]): IpamClient {
  validateIpamType(type); // before anything is executed
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

/**
 * Starts IPAM ADD and registers its release: a child process overlaps the caller's netlink
 * work meanwhile (our own host-local runs in process). Only a successful IPAM ADD is
 * released on rollback: a failed one reserved nothing.
 */
export function startIpamAdd(client: IpamClient, req: AttachmentRequest, undo: UndoStack): Promise<Result> {
  const added = client.add(req);
  added.catch(() => {}); // awaited by the caller; this only marks the rejection as handled meanwhile
  undo.push('release the IPAM address', async () => {
    if (await added.then(() => true, () => false)) await client.del(req);
  });
  return added;
}
