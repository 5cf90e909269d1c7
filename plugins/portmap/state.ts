import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ipToString, networkAddress } from '../../lib/addr/index.ts';
import { CniError, ErrorCode } from '../../lib/cni/index.ts';
import type { Attachment, Owner } from '../../lib/core/index.ts';
import type { BackendName } from '../../lib/firewall/index.ts';
import type { ContainerAddress, PortmapSpec } from '../../lib/firewall/portmap/index.ts';
import { PlantedEntryError, ensurePrivateDir, entryKind, readStateFile, removeStateFile, replaceStateFile } from '../../lib/sys/state-file.ts';
import { checkRecord } from './state-shape.ts';

// What ADD installed, per attachment, so that DEL removes exactly that without the runtime
// having to send the mappings again (the reference leaks rules when it does not) and without
// listing the firewall. Only attachments with mappings get a file: a DEL without a file and
// without mappings has nothing to do and costs one failed open. The file spells container
// addresses as text, as it did before the spec carried them parsed, so old files still load.
//
// The state directory may hold what someone else put there (lib/sys/state-file.ts): a record
// is never read or written through a symbolic link, never read from a fifo or directory, and
// the directories are created 0700. Damage and planted entries are named on stderr and
// skipped; a damaged record still says that ADD installed something, so DEL then removes the
// attachment's rules by owner.

/** Where the plugin names what it skipped. */
export type Report = (line: string) => void;

const toStderr: Report = (line) => process.stderr.write(`portmap: ${line}\n`);

/** `<stateDir>/<network>/<containerID>:<ifname>`: neither may contain ":", so names never collide. */
function file(stateDir: string, owner: Owner): string {
  return join(stateDir, owner.network, `${owner.containerId}:${owner.ifname}`);
}

const ADDRESS_KEYS: ReadonlySet<string> = new Set(['containerIPv4', 'containerIPv6']);

function addressToText(key: string, value: unknown): unknown {
  if (!ADDRESS_KEYS.has(key)) return value;
  const a = value as ContainerAddress;
  return { ip: ipToString(a.ip), subnet: `${ipToString(networkAddress(a))}/${a.prefix}` };
}

/**
 * Records the spec atomically (new temp file, rename). A link or fifo planted at its name is
 * replaced itself (reported), never written through.
 * @throws CniError code 5 when a directory stands where the record belongs
 */
export function saveState(stateDir: string, spec: PortmapSpec, backend: BackendName, report: Report = toStderr): void {
  const target = file(stateDir, spec);
  try {
    // stateDir itself may be a link the admin made; the network's directory is ours alone
    ensurePrivateDir(join(stateDir, spec.network));
    const kind = entryKind(target);
    if (kind !== 'missing' && kind !== 'file') report(`${target} is a ${kind} where a state file was expected; replacing the ${kind} itself, not following it`);
    replaceStateFile(target, JSON.stringify({ backend, spec }, addressToText));
  } catch (e) {
    if (e instanceof PlantedEntryError) throw new CniError(ErrorCode.IoFailure, `cannot record the port mappings: ${e.message}`);
    throw e;
  }
}

/** What DEL finds: the record, nothing, or a record it cannot use (named on stderr). */
export type LoadedState =
  | { readonly kind: 'recorded'; readonly backend: BackendName; readonly spec: PortmapSpec }
  | { readonly kind: 'none' }
  | { readonly kind: 'damaged' };

/** The recorded spec of an attachment; damage and planted entries are reported, never followed. */
export function loadState(stateDir: string, owner: Owner, report: Report = toStderr): LoadedState {
  const path = file(stateDir, owner);
  let read;
  try {
    read = readStateFile(path);
  } catch (e) {
    report(`cannot read state file ${path}: ${(e as Error).message}; finding this attachment's rules by owner`);
    return { kind: 'damaged' };
  }
  if (read.kind === 'missing') return { kind: 'none' };
  if (read.kind === 'planted') {
    report(`${read.error.message}; finding this attachment's rules by owner`);
    return { kind: 'damaged' };
  }
  let value: unknown;
  try {
    value = JSON.parse(read.text);
  } catch (e) {
    const why = read.text.trim() === '' ? 'it is empty' : `it is not JSON (${(e as Error).message})`;
    report(`state file ${path} is damaged: ${why}; finding this attachment's rules by owner`);
    return { kind: 'damaged' };
  }
  const checked = checkRecord(value, owner);
  if (!checked.ok) {
    report(`state file ${path} is damaged: ${checked.reason}; finding this attachment's rules by owner`);
    return { kind: 'damaged' };
  }
  return { kind: 'recorded', backend: checked.backend, spec: checked.spec };
}

/** Forgets an attachment; already gone is fine, a link is removed itself, a directory reported and left. */
export function removeState(stateDir: string, owner: Owner, report: Report = toStderr): void {
  try {
    removeStateFile(file(stateDir, owner));
  } catch (e) {
    if (!(e instanceof PlantedEntryError)) throw e;
    report(`${e.message}; leaving it`);
  }
}

/**
 * Forgets an attachment for DEL: its record, and the temporary file of an ADD killed before
 * its rename (`<record>.tmp-<pid>-<random>`), which nothing else but GC would ever remove.
 */
export function removeStateAndLeftovers(stateDir: string, owner: Owner, report: Report = toStderr): void {
  removeState(stateDir, owner, report);
  const prefix = `${owner.containerId}:${owner.ifname}.tmp-`;
  let names: string[];
  try {
    names = readdirSync(join(stateDir, owner.network));
  } catch {
    return; // no directory (or not one): no record was ever written there
  }
  for (const n of names) {
    if (!n.startsWith(prefix)) continue;
    try {
      removeStateFile(join(stateDir, owner.network, n));
    } catch (e) {
      if (!(e instanceof PlantedEntryError)) throw e;
      report(`${e.message}; leaving it`);
    }
  }
}

/** Forgets every attachment of the network but the valid ones (GC); damaged records go too. */
export function removeStatesExcept(stateDir: string, network: string, valid: readonly Attachment[], report: Report = toStderr): void {
  const dir = join(stateDir, network);
  const kind = entryKind(dir);
  if (kind === 'missing') return;
  if (kind !== 'directory') {
    report(`${new PlantedEntryError(dir, kind, 'directory').message}; not collecting records there`);
    return;
  }
  const keep = new Set(valid.map((a) => `${a.containerId}:${a.ifname}`));
  for (const n of readdirSync(dir)) {
    const sep = n.indexOf(':');
    if (sep > 0 && !keep.has(n)) removeState(stateDir, { network, containerId: n.slice(0, sep), ifname: n.slice(sep + 1) }, report);
  }
}
