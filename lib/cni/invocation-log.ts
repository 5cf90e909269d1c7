// The invocation log: one JSON line per plugin run, written by skel when a file is named by the
// network config (`logFile`) or by the environment (`CNI_TS_LOG_FILE`). Off by default, as
// the Go plugins have no log at all. Everything here is pure: skel hands the finished line to
// its PluginIo, whose appendLog (lib/sys) writes it with one write(2) on an O_APPEND descriptor
// and rotates the file at the cap. This module holds only functions and constants, so a
// process with logging off pays for nothing but the checks in logSettings.

/** How much is written: failures only, every run, or every run with timings and details. */
export type LogLevel = 'error' | 'info' | 'debug';

const LEVELS: readonly LogLevel[] = ['error', 'info', 'debug'];

/** Where and what to log, from the config's keys or else the environment. */
export interface LogSettings {
  readonly file: string;
  readonly level: LogLevel;
  readonly maxBytes: number;
}

/** 10 MiB: the file is rotated to `<file>.1` when a line would take it past this. */
export const DEFAULT_LOG_MAX_BYTES = 10 * 1024 * 1024;
/** The smallest cap accepted (the schema's minimum): one line always fits. */
export const MIN_LOG_MAX_BYTES = 4096;
/** The largest cap accepted (1 TiB), far beyond any log a node keeps. */
export const MAX_LOG_MAX_BYTES = 2 ** 40;
/**
 * The longest line, newline included. A regular file's O_APPEND write is atomic at any size on
 * Linux, but a bounded line is also whole on a FIFO (PIPE_BUF) and keeps a runaway message
 * (a kernel error quoting a long path) from filling the file.
 */
export const MAX_LOG_LINE_BYTES = 4096;

/** Problems with the settings themselves, reported once on stderr by skel. */
export interface SettingsOutcome {
  readonly settings: LogSettings | undefined;
  readonly notes: readonly string[];
}

function isLevel(v: unknown): v is LogLevel {
  return typeof v === 'string' && (LEVELS as readonly string[]).includes(v);
}

function validMaxBytes(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= MIN_LOG_MAX_BYTES && v <= MAX_LOG_MAX_BYTES;
}

/**
 * The settings of this run: each of `logFile`, `logLevel` and `logMaxBytes` from the network
 * config when it has the key, else from CNI_TS_LOG_FILE, CNI_TS_LOG_LEVEL and
 * CNI_TS_LOG_MAX_BYTES (a runtime that cannot edit configs sets those). The config wins because
 * it is the more specific of the two: one network's file beside a node-wide default. A value
 * that is not usable is skipped with a note (the plugin's own schema check already fails a
 * config with a wrong type as code 7; the log never does). `config` is undefined when stdin
 * was not a JSON object.
 */
export function logSettings(config: Readonly<Record<string, unknown>> | undefined, env: Readonly<Record<string, string | undefined>>): SettingsOutcome {
  const fromConfig = config?.logFile;
  const fromEnv = env.CNI_TS_LOG_FILE;
  // the common case, logging off: two property reads and nothing else
  if ((fromConfig === undefined || fromConfig === '') && !fromEnv) return { settings: undefined, notes: [] };
  const notes: string[] = [];
  let file: string | undefined;
  if (typeof fromConfig === 'string' && fromConfig !== '') file = fromConfig;
  else {
    if (fromConfig !== undefined && fromConfig !== '') notes.push(`logFile ${short(JSON.stringify(fromConfig))} is not a path`);
    file = fromEnv || undefined;
  }
  if (file === undefined) return { settings: undefined, notes };
  if (file.includes('\0')) return { settings: undefined, notes: [...notes, 'the log file path holds a NUL byte'] };

  let level: LogLevel = 'info';
  const configLevel = config?.logLevel;
  if (isLevel(configLevel)) level = configLevel;
  else {
    if (configLevel !== undefined && configLevel !== '') notes.push(`logLevel ${short(JSON.stringify(configLevel))} is not one of ${LEVELS.join(', ')}`);
    const envLevel = env.CNI_TS_LOG_LEVEL;
    if (isLevel(envLevel)) level = envLevel;
    else if (envLevel) notes.push(`CNI_TS_LOG_LEVEL ${short(JSON.stringify(envLevel))} is not one of ${LEVELS.join(', ')}`);
  }

  let maxBytes = DEFAULT_LOG_MAX_BYTES;
  const configMax = config?.logMaxBytes;
  const range = `an integer from ${MIN_LOG_MAX_BYTES} to ${MAX_LOG_MAX_BYTES}`;
  if (validMaxBytes(configMax)) maxBytes = configMax;
  else {
    if (configMax !== undefined) notes.push(`logMaxBytes ${short(JSON.stringify(configMax))} is not ${range}`);
    const envMax = env.CNI_TS_LOG_MAX_BYTES;
    const parsed = envMax && /^[0-9]+$/.test(envMax) ? Number(envMax) : undefined;
    if (validMaxBytes(parsed)) maxBytes = parsed;
    else if (envMax) notes.push(`CNI_TS_LOG_MAX_BYTES ${short(JSON.stringify(envMax))} is not ${range}`);
  }
  return { settings: { file, level, maxBytes }, notes };
}

/** What skel knows of one run when it ends. */
export interface InvocationRecord {
  /** When the run started (ms since the epoch). */
  readonly startedAt: number;
  readonly plugin: string;
  /** CNI_COMMAND as given ("" when unset). */
  readonly command: string;
  readonly network?: string | undefined;
  readonly containerId?: string | undefined;
  readonly netns?: string | undefined;
  readonly ifname?: string | undefined;
  readonly durationMs: number;
  readonly error?: { readonly code: number; readonly msg: string; readonly details?: string | undefined } | undefined;
  /** Only written at level debug. */
  readonly debug?: Readonly<Record<string, string | number | readonly string[] | undefined>> | undefined;
}

/** True when a run with this outcome is written at `level`. */
export function shouldLog(level: LogLevel, failed: boolean): boolean {
  return failed || level !== 'error';
}

/** Milliseconds with three decimals (microseconds): enough, and short. */
function ms(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** The fields of the line, in a fixed order; absent values are left out. */
function fields(rec: InvocationRecord, level: LogLevel): Record<string, unknown> {
  const out: Record<string, unknown> = {
    time: new Date(rec.startedAt).toISOString(),
    plugin: rec.plugin,
    command: rec.command,
  };
  if (rec.network !== undefined) out.network = rec.network;
  if (rec.containerId) out.containerId = rec.containerId;
  if (rec.netns) out.netns = rec.netns;
  if (rec.ifname) out.ifname = rec.ifname;
  out.durationMs = ms(rec.durationMs);
  out.outcome = rec.error ? 'error' : 'ok';
  if (rec.error) {
    out.code = rec.error.code;
    out.msg = rec.error.msg;
    if (rec.error.details) out.details = rec.error.details;
  }
  if (level === 'debug' && rec.debug) {
    for (const [k, v] of Object.entries(rec.debug)) if (v !== undefined) out[k] = typeof v === 'number' ? ms(v) : v;
  }
  return out;
}

const ELLIPSIS = '…';

function short(text: string, max = 64): string {
  return text.length <= max ? text : `${text.slice(0, max)}${ELLIPSIS}`;
}

/** Every string in `value` (also inside arrays) cut to `max` code units. */
function cutStrings(value: unknown, max: number): unknown {
  if (typeof value === 'string') return short(value, max);
  if (Array.isArray(value)) return value.map((v) => cutStrings(v, max));
  return value;
}

/**
 * The JSON line of a run (with its newline), at most `maxBytes` long: when the whole record is
 * longer, every string (the message first among them) is cut shorter, with "…" marking the cut,
 * until it fits. Strings are cut on UTF-16 units; JSON.stringify escapes a lone surrogate, so
 * the line stays valid UTF-8 and valid JSON.
 */
export function formatLogLine(rec: InvocationRecord, level: LogLevel, maxBytes = MAX_LOG_LINE_BYTES): string {
  const all = fields(rec, level);
  let line = `${JSON.stringify(all)}\n`;
  for (let max = 1024; Buffer.byteLength(line) > maxBytes && max >= 1; max = Math.floor(max / 2)) {
    const cut: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(all)) cut[k] = k === 'time' ? v : cutStrings(v, max);
    line = `${JSON.stringify(cut)}\n`;
  }
  // only reachable with a tiny maxBytes (tests): the fixed fields alone
  if (Buffer.byteLength(line) > maxBytes) line = `${JSON.stringify({ time: all.time, outcome: all.outcome, truncated: true })}\n`;
  return line;
}
