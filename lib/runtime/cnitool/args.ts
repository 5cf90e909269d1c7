import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { parseJson } from '../../cni/index.ts';
import { UsageError } from './io.ts';

/** The command line, split into verb, positional arguments and flags. */
export interface ParsedArgs {
  readonly verb: string | undefined;
  readonly positionals: readonly string[];
  readonly ifname: string | undefined;
  readonly json: boolean;
  readonly human: boolean;
  readonly help: boolean;
  /** doctor: remove what it finds. */
  readonly fix: boolean;
  /** doctor --fix: also remove what only this implementation leaves (before a downgrade to Go's plugins). */
  readonly forDowngrade: boolean;
}

/**
 * Parses argv (without node and script). Flags may appear anywhere, as with Go's cobra:
 * `-i NAME`, `--ifname NAME`, `--ifname=NAME`, `--json`, `--human`, `-h`/`--help`, and
 * doctor's `--fix` and `--for-downgrade`; `--` ends the flags.
 * @throws UsageError
 */
export function parseArgv(argv: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  let ifname: string | undefined;
  let json = false;
  let human = false;
  let help = false;
  let fix = false;
  let forDowngrade = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a === '-i' || a === '--ifname') {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs an interface name`);
      ifname = v;
    } else if (a.startsWith('--ifname=')) {
      ifname = a.slice('--ifname='.length);
    } else if (a.startsWith('-i') && a.length > 2 && !a.startsWith('--')) {
      ifname = a.slice(2);
    } else if (a === '--json') {
      json = true;
    } else if (a === '--human') {
      human = true;
    } else if (a === '--fix') {
      fix = true;
    } else if (a === '--for-downgrade') {
      forDowngrade = true;
    } else if (a === '-h' || a === '--help') {
      help = true;
    } else if (a.startsWith('-') && a !== '-') {
      throw new UsageError(`unknown flag ${a}`);
    } else {
      positionals.push(a);
    }
  }
  if (json && human) throw new UsageError('--json and --human cannot be used together');
  if (forDowngrade && !fix) throw new UsageError('--for-downgrade only goes with --fix');
  const [verb, ...rest] = positionals;
  if ((fix || forDowngrade) && verb !== undefined && verb !== 'doctor') throw new UsageError('--fix and --for-downgrade are flags of doctor only');
  return { verb, positionals: rest, ifname, json, human, help, fix, forDowngrade };
}

/**
 * Parses CNI_ARGS strictly, as Go's cnitool does: `K=V` pairs separated by ";", each with
 * exactly one "=" and a non-empty key and value.
 * @throws UsageError naming the bad pair
 */
export function parseStrictCniArgs(raw: string): [string, string][] {
  if (raw === '') return [];
  return raw.split(';').map((pair) => {
    const kv = pair.split('=');
    if (kv.length !== 2 || kv[0] === '' || kv[1] === '') throw new UsageError(`invalid CNI_ARGS pair ${JSON.stringify(pair)}`);
    return [kv[0] as string, kv[1] as string];
  });
}

/**
 * Parses CAP_ARGS: a JSON object of capability arguments.
 * @throws UsageError
 */
export function parseCapArgs(raw: string): Record<string, unknown> | undefined {
  if (raw === '') return undefined;
  let value: unknown;
  try {
    value = parseJson(raw);
  } catch (e) {
    throw new UsageError(`CAP_ARGS is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError('CAP_ARGS must be a JSON object, e.g. {"portMappings":[...]}');
  }
  return value as Record<string, unknown>;
}

/**
 * The container ID cnitool uses for a netns: "cnitool-" and the hex of the first 10 bytes of
 * the SHA-512 of the absolute netns path, so add and del of the same path match (and match
 * Go's cnitool, whose cache entries we can then delete).
 */
export function containerIdFor(netnsPath: string, cwd: string): { containerId: string; netns: string } {
  const netns = resolve(cwd, netnsPath);
  const digest = createHash('sha512').update(netns).digest();
  return { containerId: `cnitool-${digest.subarray(0, 10).toString('hex')}`, netns };
}
