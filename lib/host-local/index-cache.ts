// A cache of "IP -> holder" for one network directory, so ADD, DEL and CHECK need not read
// every reservation file (the Go plugin does; that costs ~8 ms per 1,000 files here).
//
// The files stay the only source of truth. The cache is trusted only while the directory is
// provably unchanged since the cache was written: after writing it we set the directory's
// mtime to a stamp of our own (a past instant with random microseconds), and record that
// stamp in the cache. Creating or removing any entry - a Go plugin reserving or releasing,
// an operator's rm, a crashed run of ours - sets the mtime to the current time, which can
// never equal the stamp, and the next run rebuilds the cache from the files. A file system
// that cannot store the stamp exactly (1-second timestamps) simply never gets a cache.
//
// The file is a journal: a fixed-width header, then lines that set ("ip[\tid[\tifname]]") or
// remove ("-ip") an entry. A run appends its few changes (rewriting ~80 KB costs ~3 ms in a
// cold process) and compacts now and then. The header is written last and records the body
// length, so a process killed mid-write leaves a header that does not match. It also names
// the kernel's boot id: after a power loss, when unsynced pages may be lost in any order,
// the first run of the new boot rebuilds the cache.
import { closeSync, constants, fstatSync, ftruncateSync, lstatSync, openSync, readFileSync, readSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Holder } from './store.ts';

/** Names damage on stderr: the path and what is wrong with it (see reservation-files.ts). */
type ReportDamage = (path: string, problem: string) => void;
const NO_REPORT: ReportDamage = () => {};

/** The cache's file name: a dotfile, which is not an IP, so no reservation scan counts it. */
export const INDEX_FILE = '.cni-ts-index';
/** Prefix of temporary files; never an IP either. */
export const TEMP_PREFIX = '.tmp-';

const HEADER_SIZE = 160;
/** ~100 bytes per line: room for 300,000 reservations; a bigger file is damage, not read. */
const MAX_INDEX_BYTES = 32 << 20;
/** Never through a symbolic link, never blocking on a fifo (see reservation-files.ts). */
const NOFOLLOW = constants.O_NOFOLLOW | constants.O_NONBLOCK;
const HEADER = /^cni-ts-host-local-index 3 (\S+) (\d+) (\d+) (\d+) (\d+) *\n$/;
/** Timestamps pass through a double on the way to utimes(2); allow for its rounding. */
const TOLERANCE_NS = 2000n;

/** What the cache is valid for: this boot, this directory, this mtime stamp, this body length. */
export interface IndexHeader {
  readonly bootId: string;
  readonly dev: bigint;
  readonly ino: bigint;
  readonly stampUs: bigint;
  readonly bodyLength: number;
}

/** The directory's identity and mtime, as the cache records them. */
export interface DirState {
  readonly bootId: string;
  readonly dev: bigint;
  readonly ino: bigint;
  readonly mtimeNs: bigint;
}

/** A cache as read: the entries, plus what appending to it needs. */
export interface LoadedIndex {
  readonly entries: Map<string, Holder>;
  readonly bodyLength: number;
  /** Journal lines, to decide when to compact. */
  readonly lines: number;
}

/** A unique temporary name in the same directory (so link(2) stays atomic). */
export function tempName(): string {
  return `${TEMP_PREFIX}${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

function headerText(h: IndexHeader): string {
  return `cni-ts-host-local-index 3 ${h.bootId} ${h.dev} ${h.ino} ${h.stampUs} ${h.bodyLength}`.padEnd(HEADER_SIZE - 1) + '\n';
}

/** The journal line that sets `ip` to `holder`. */
export function setLine(ip: string, h: Holder): string {
  return h === null ? `${ip}\n` : h.ifname === undefined ? `${ip}\t${h.containerId}\n` : `${ip}\t${h.containerId}\t${h.ifname}\n`;
}

/** The journal line that removes `ip`. */
export function removeLine(ip: string): string {
  return `-${ip}\n`;
}

function snapshot(entries: ReadonlyMap<string, Holder>): string {
  let text = '';
  entries.forEach((h, ip) => {
    text += setLine(ip, h);
  });
  return text;
}

/** A whole cache file (for tests and compaction): header then one set line per entry. */
export function serializeIndex(header: Omit<IndexHeader, 'bodyLength'>, entries: ReadonlyMap<string, Holder>): string {
  const body = snapshot(entries);
  return headerText({ ...header, bodyLength: Buffer.byteLength(body) }) + body;
}

/** The parsed cache, or undefined when the text is not a complete cache. */
export function parseIndex(text: string): { header: IndexHeader; index: LoadedIndex } | undefined {
  const m = HEADER.exec(text.slice(0, HEADER_SIZE));
  if (!m) return undefined;
  const header = { bootId: m[1] as string, dev: BigInt(m[2] as string), ino: BigInt(m[3] as string), stampUs: BigInt(m[4] as string), bodyLength: Number(m[5]) };
  if (Buffer.byteLength(text) !== HEADER_SIZE + header.bodyLength) return undefined;
  // indexOf scanning instead of split(): this runs on every ADD and DEL.
  const entries = new Map<string, Holder>();
  let lines = 0;
  for (let pos = HEADER_SIZE; pos < text.length; lines++) {
    const eol = text.indexOf('\n', pos);
    if (eol < 0 || eol === pos) return undefined;
    const tab1 = text.indexOf('\t', pos);
    if (text.charCodeAt(pos) === 45 /* - */) {
      if (tab1 >= 0 && tab1 < eol) return undefined;
      entries.delete(text.slice(pos + 1, eol));
    } else if (tab1 < 0 || tab1 > eol) {
      entries.set(text.slice(pos, eol), null);
    } else {
      const tab2 = text.indexOf('\t', tab1 + 1);
      if (tab2 < 0 || tab2 > eol) entries.set(text.slice(pos, tab1), { containerId: text.slice(tab1 + 1, eol) });
      else if (text.lastIndexOf('\t', eol) !== tab2) return undefined;
      else entries.set(text.slice(pos, tab1), { containerId: text.slice(tab1 + 1, tab2), ifname: text.slice(tab2 + 1, eol) });
    }
    pos = eol + 1;
  }
  return { header, index: { entries, bodyLength: header.bodyLength, lines } };
}

function stampMatches(mtimeNs: bigint, stampUs: bigint): boolean {
  const diff = mtimeNs - stampUs * 1000n;
  return diff < TOLERANCE_NS && diff > -TOLERANCE_NS;
}

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim() || '-';
  } catch {
    return '-';
  }
}

/** Stats the directory with nanosecond precision and names the current boot. */
export function dirState(dir: string): DirState {
  const st = statSync(dir, { bigint: true });
  return { bootId: bootId(), dev: st.dev, ino: st.ino, mtimeNs: st.mtimeNs };
}

/**
 * The cache file's text; undefined when it is missing or unusable (what is wrong, other
 * than being missing, is reported: a planted entry, a size no cache reaches).
 */
function readIndexText(path: string, report: ReportDamage): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') report(path, 'a symlink stands where the owner cache was expected; not following it (remove it), reading the reservation files instead');
    else if (code !== 'ENOENT') report(path, `owner cache cannot be opened (${code}); reading the reservation files instead`);
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      const kind = st.isDirectory() ? 'directory' : st.isFIFO() ? 'fifo' : st.isSocket() ? 'socket' : 'device';
      report(path, `a ${kind} stands where the owner cache was expected; not reading it (remove it), reading the reservation files instead`);
      return undefined;
    }
    if (st.size > MAX_INDEX_BYTES) {
      report(path, `owner cache of ${st.size} bytes is larger than any cache host-local writes; ignoring it and rebuilding it from the reservation files`);
      return undefined;
    }
    const buf = Buffer.allocUnsafe(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.toString('utf8', 0, off);
  } finally {
    closeSync(fd);
  }
}

/** What is wrong with a cache text that parseIndex rejected, in words for stderr. */
function indexDamage(text: string): string {
  if (text.length === 0) return 'owner cache is empty';
  const m = HEADER.exec(text.slice(0, HEADER_SIZE));
  if (!m) return 'owner cache has a garbage header';
  const body = Buffer.byteLength(text) - HEADER_SIZE;
  if (body !== Number(m[5])) return `owner cache body is ${Math.max(body, 0)} bytes but its header says ${m[5]} (truncated or half-written)`;
  return 'owner cache holds a malformed line';
}

/**
 * The cache when it exists and the directory is unchanged since it was written. A damaged
 * cache is reported and ignored: the files are the truth, and a run that changes something
 * rewrites the cache.
 */
export function loadIndex(dir: string, state: DirState, report: ReportDamage = NO_REPORT): LoadedIndex | undefined {
  const path = join(dir, INDEX_FILE);
  const text = readIndexText(path, report);
  if (text === undefined) return undefined;
  const parsed = parseIndex(text);
  if (!parsed) {
    report(path, `${indexDamage(text)}; reading the reservation files instead`);
    return undefined;
  }
  const h = parsed.header;
  if (h.bootId !== state.bootId || h.dev !== state.dev || h.ino !== state.ino || !stampMatches(state.mtimeNs, h.stampUs)) return undefined;
  return parsed.index;
}

/** Removes the cache, so that the next run rebuilds it from the files. */
export function dropIndex(dir: string): void {
  const path = join(dir, INDEX_FILE);
  try {
    // Only our own regular file: a planted entry is reported by whoever meets it, and left.
    if (lstatSync(path).isFile()) unlinkSync(path);
  } catch {
    // already gone
  }
}

/**
 * Brings the cache up to date and stamps the directory: appends `journal` (set/remove
 * lines) after `append.bodyLength` bytes of an unchanged cache, or rewrites it from
 * `entries`. Must be the last change to the directory in this locked section. Never throws:
 * the cache is an optimisation, and without it the next run reads the files.
 */
export function saveIndex(dir: string, entries: ReadonlyMap<string, Holder>, append?: { bodyLength: number; journal: string }): boolean {
  let fd: number | undefined;
  try {
    // Opening creates the file the first time: a directory change, so it comes first.
    // O_NOFOLLOW: never through a planted link; ftruncate fails on a planted fifo or device.
    fd = openSync(join(dir, INDEX_FILE), constants.O_WRONLY | constants.O_CREAT | NOFOLLOW, 0o600);
    const state = dirState(dir);
    const start = append ? append.bodyLength : 0;
    const body = Buffer.from(append ? append.journal : snapshot(entries));
    ftruncateSync(fd, HEADER_SIZE + start + body.length);
    writeSync(fd, body, 0, body.length, HEADER_SIZE + start);
    // A second in the past, with random microseconds: no later change can produce it.
    const stampUs = BigInt(Date.now() - 1000) * 1000n + BigInt(1 + Math.floor(Math.random() * 998));
    const seconds = Number(stampUs) / 1e6;
    utimesSync(dir, seconds, seconds);
    const header = { bootId: state.bootId, dev: state.dev, ino: state.ino, stampUs, bodyLength: start + body.length };
    writeSync(fd, headerText(header), 0, 'latin1');
    if (stampMatches(statSync(dir, { bigint: true }).mtimeNs, stampUs)) return true;
  } catch {
    // fall through: no usable cache (a planted entry was reported when it was read)
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  dropIndex(dir);
  return false;
}
