import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Attachment, Owner } from '../core/index.ts';
import { PlantedEntryError, ensurePrivateDir, entryKind, readStateFile, removeStateFile, replaceStateFile } from '../sys/state-file.ts';

// What a firewall plugin (portmap, firewall) installed for one attachment, kept on disk so
// that DEL removes exactly that when the runtime does not send it again, and GC can find the
// attachments it no longer knows. One JSON file per attachment under
// `<stateDir>/<network>/<containerID>:<ifname>`; what the JSON means is the plugin's business.
//
// The state directory may hold what someone else put there (lib/sys/state-file.ts): a record
// is never read or written through a symbolic link, never read from a fifo or directory, and
// the directories are created 0700. Damage and planted entries are reported and skipped.

/** Where a plugin names what it skipped (stderr, prefixed with the plugin's name). */
export type Report = (line: string) => void;

/** `<stateDir>/<network>/<containerID>:<ifname>`: neither may contain ":", so names never collide. */
export function recordPath(stateDir: string, owner: Owner): string {
  return join(stateDir, owner.network, `${owner.containerId}:${owner.ifname}`);
}

/**
 * Writes an attachment's record (JSON text) atomically: new temp file, rename. A link or fifo
 * planted at its name is replaced itself (reported), never written through.
 * @throws {PlantedEntryError} when a directory stands where the record or its network's directory belongs
 */
export function writeRecord(stateDir: string, owner: Owner, json: string, report: Report): void {
  const target = recordPath(stateDir, owner);
  // stateDir itself may be a link the admin made; the network's directory is ours alone
  ensurePrivateDir(join(stateDir, owner.network));
  const kind = entryKind(target);
  // a directory there fails the rename below, which says so
  if (kind !== 'missing' && kind !== 'file' && kind !== 'directory') report(`${target} is a ${kind} where a state file was expected; replacing the ${kind} itself, not following it`);
  replaceStateFile(target, json);
}

/** What a record read finds: its JSON, nothing, or something unusable (already reported). */
export type RecordRead = { readonly kind: 'json'; readonly path: string; readonly value: unknown } | { readonly kind: 'none' } | { readonly kind: 'damaged' };

/**
 * An attachment's record as JSON; damage and planted entries are reported with `fallback`
 * (what the plugin does instead, e.g. "finding this attachment's rules by owner").
 */
export function readRecord(stateDir: string, owner: Owner, fallback: string, report: Report): RecordRead {
  const path = recordPath(stateDir, owner);
  let read;
  try {
    read = readStateFile(path);
  } catch (e) {
    report(`cannot read state file ${path}: ${(e as Error).message}; ${fallback}`);
    return { kind: 'damaged' };
  }
  if (read.kind === 'missing') return { kind: 'none' };
  if (read.kind === 'planted') {
    report(`${read.error.message}; ${fallback}`);
    return { kind: 'damaged' };
  }
  try {
    return { kind: 'json', path, value: JSON.parse(read.text) };
  } catch (e) {
    const why = read.text.trim() === '' ? 'it is empty' : `it is not JSON (${(e as Error).message})`;
    report(`state file ${path} is damaged: ${why}; ${fallback}`);
    return { kind: 'damaged' };
  }
}

function removeReported(path: string, report: Report): void {
  try {
    removeStateFile(path);
  } catch (e) {
    if (!(e instanceof PlantedEntryError)) throw e;
    report(`${e.message}; leaving it`);
  }
}

/** Forgets an attachment; already gone is fine, a link is removed itself, a directory reported and left. */
export function removeRecord(stateDir: string, owner: Owner, report: Report): void {
  removeReported(recordPath(stateDir, owner), report);
}

/**
 * Forgets an attachment for DEL: its record, and the temporary file of an ADD killed before
 * its rename (`<record>.tmp-<pid>-<random>`), which nothing else but GC would ever remove.
 */
export function removeRecordAndLeftovers(stateDir: string, owner: Owner, report: Report): void {
  removeRecord(stateDir, owner, report);
  const prefix = `${owner.containerId}:${owner.ifname}.tmp-`;
  let names: string[];
  try {
    names = readdirSync(join(stateDir, owner.network));
  } catch {
    return; // no directory (or not one): no record was ever written there
  }
  for (const n of names) if (n.startsWith(prefix)) removeReported(join(stateDir, owner.network, n), report);
}

/** What GC finds in a network's directory: the attachments it has records of, valid or not. */
export interface RecordedAttachments {
  readonly valid: readonly Owner[];
  readonly stale: readonly Owner[];
}

/**
 * The attachments of `network` that have a record (or a leftover temp file), split by whether
 * `valid` lists them. A planted network directory is reported and yields nothing.
 */
export function recordedAttachments(stateDir: string, network: string, valid: readonly Attachment[], report: Report): RecordedAttachments {
  const dir = join(stateDir, network);
  const kind = entryKind(dir);
  if (kind === 'missing') return { valid: [], stale: [] };
  if (kind !== 'directory') {
    report(`${new PlantedEntryError(dir, kind, 'directory').message}; not collecting records there`);
    return { valid: [], stale: [] };
  }
  const keep = new Set(valid.map((a) => `${a.containerId}:${a.ifname}`));
  const seen = new Set<string>();
  const out = { valid: [] as Owner[], stale: [] as Owner[] };
  for (const n of readdirSync(dir)) {
    const name = n.replace(/\.tmp-.*$/, '');
    const sep = name.indexOf(':');
    if (sep <= 0 || seen.has(name)) continue;
    seen.add(name);
    (keep.has(name) ? out.valid : out.stale).push({ network, containerId: name.slice(0, sep), ifname: name.slice(sep + 1) });
  }
  return out;
}
