import { join } from 'node:path';
import type { LinkSettings } from '../../lib/link/index.ts';
import { ensurePrivateDir, readStateFile, removeStateFile, replaceStateFile } from '../../lib/sys/state-file.ts';

// The interface's original attributes, saved by ADD for DEL to restore. File, name and format
// are the Go plugin's, so that either implementation's DEL restores the other's ADD:
// `<dataDir>/<containerID>_<ifname>.json`, mode 0600, indented by one space, keys mac,
// promisc, mtu, allmulti, txQLen (only those that ADD changes; mtu 0 and mac "" left out).

/** Go's default: tmpfs, as the attributes it restores do not survive a reboot either. */
export const DEFAULT_DATA_DIR = '/run/cni/tuning';

/** The backup file of one attachment. CNI_CONTAINERID and CNI_IFNAME cannot hold "/" (skel checks them). */
export function backupPath(dataDir: string, containerId: string, ifname: string): string {
  return join(dataDir, `${containerId}_${ifname}.json`);
}

/** The file's text, as Go's json.MarshalIndent(config, "", " ") writes it. */
export function formatBackup(b: LinkSettings): string {
  const file: Record<string, unknown> = {};
  if (b.mac) file.mac = b.mac;
  if (b.promisc !== undefined) file.promisc = b.promisc;
  if (b.mtu) file.mtu = b.mtu;
  if (b.allmulti !== undefined) file.allmulti = b.allmulti;
  if (b.txQueueLen !== undefined) file.txQLen = b.txQueueLen;
  return JSON.stringify(file, null, 1);
}

/** A key of the file, matched case-insensitively as Go's decoder matches it. */
function field(o: Record<string, unknown>, name: string): unknown {
  const lower = name.toLowerCase();
  let found: unknown;
  for (const [k, v] of Object.entries(o)) if (k.toLowerCase() === lower) found = v; // the last one wins, as in Go
  return found;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/**
 * Reads a backup file's text; keys of the wrong type are left out (nothing to restore from them).
 * @throws SyntaxError when it is not a JSON object.
 */
export function parseBackup(text: string): LinkSettings {
  const o = JSON.parse(text) as unknown;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new SyntaxError('not a JSON object');
  const rec = o as Record<string, unknown>;
  const out: { -readonly [K in keyof LinkSettings]: LinkSettings[K] } = {};
  const mac = field(rec, 'mac');
  if (typeof mac === 'string' && MAC.test(mac.toLowerCase())) out.mac = mac.toLowerCase();
  const promisc = field(rec, 'promisc');
  if (typeof promisc === 'boolean') out.promisc = promisc;
  const mtu = field(rec, 'mtu');
  if (Number.isInteger(mtu) && (mtu as number) > 0) out.mtu = mtu as number;
  const allmulti = field(rec, 'allmulti');
  if (typeof allmulti === 'boolean') out.allmulti = allmulti;
  const txQLen = field(rec, 'txQLen');
  if (Number.isInteger(txQLen) && (txQLen as number) >= 0) out.txQueueLen = txQLen as number;
  return out;
}

/** What a backup file holds: settings, nothing, or something we cannot use (with why). */
export type BackupRead = { readonly kind: 'saved'; readonly settings: LinkSettings } | { readonly kind: 'missing' } | { readonly kind: 'unusable'; readonly reason: string };

/** Reads a backup without following a symbolic link (lib/sys/state-file). */
export function loadBackup(file: string): BackupRead {
  const read = readStateFile(file);
  if (read.kind === 'missing') return read;
  if (read.kind === 'planted') return { kind: 'unusable', reason: read.error.message };
  try {
    return { kind: 'saved', settings: parseBackup(read.text) };
  } catch (e) {
    return { kind: 'unusable', reason: `${file} is not a tuning backup: ${(e as Error).message}` };
  }
}

/** Writes a backup atomically (a temporary file renamed over it), making the directory 0700 if needed. */
export function saveBackup(dataDir: string, file: string, settings: LinkSettings): void {
  ensurePrivateDir(dataDir);
  replaceStateFile(file, formatBackup(settings));
}

/** Removes a backup; already gone is fine. */
export function removeBackup(file: string): void {
  removeStateFile(file);
}
