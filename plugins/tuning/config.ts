import tuningJson from '../../schemas/tuning.json' with { type: 'json' };
import { type AttachmentRequest, CniError, ErrorCode, type Result, parseUnicastMac, requirePrevResult as requirePrevResultOf } from '../../lib/cni/index.ts';
import { checkConfig } from '../../lib/cni/json-schema.ts';
import type { LinkSetting, LinkSettings } from '../../lib/link/index.ts';
import { DEFAULT_DATA_DIR } from './backup.ts';
import { findDuplicateKey } from './duplicate-keys.ts';
import { resolveSysctlName } from './plan.ts';
import type { TuningKeys } from './schema.ts';

/** One sysctl to set: the key as written, where it was written, its /proc/sys path and value. */
export interface SysctlSetting {
  readonly key: string;
  /** "sysctl" or "args.cni.sysctl": for messages. */
  readonly source: string;
  /** Slash form relative to /proc/sys, IFNAME replaced: "net/ipv4/conf/eth0/arp_filter". */
  readonly name: string;
  readonly value: string;
}

/** What one invocation of tuning asks for. */
export interface TuningConfig {
  readonly dataDir: string;
  readonly sysctls: readonly SysctlSetting[];
  /** The link attributes to set (promisc only when true: false is never applied, as in Go). */
  readonly link: LinkSettings;
  /** The key each link attribute came from, for messages ("mtu", "args.cni.mtu", "CNI_ARGS MAC", ...). */
  readonly sources: Readonly<Partial<Record<LinkSetting, string>>>;
}

type Settings = NonNullable<NonNullable<TuningKeys['args']>['cni']>;

/**
 * Parses the configuration with Go's precedence: the configuration's keys, then CNI_ARGS MAC,
 * then runtimeConfig.mac, then args.cni (which also adds to and overrides `sysctl`). Every MAC
 * given is checked, and every sysctl key, before anything changes.
 * @throws CniError code 7 naming the key.
 */
export function parseTuningConfig(req: AttachmentRequest): TuningConfig {
  const c = checkConfig<TuningKeys>(tuningJson, req.config);
  const dup = findDuplicateKey(req.stdin.toString('utf8'), [['sysctl'], ['args', 'cni', 'sysctl']]);
  if (dup) throw new CniError(ErrorCode.InvalidConfig, `duplicated sysctl key ${JSON.stringify(dup.key)} in ${dup.path.join('.')}`, 'name each sysctl once: which value would win is not defined');
  if (c.dataDir?.includes('\0')) throw new CniError(ErrorCode.InvalidConfig, `invalid dataDir ${JSON.stringify(c.dataDir)}`, 'expected a path (a string without NUL)');

  const link: { -readonly [K in LinkSetting]?: LinkSettings[K] } = {};
  const sources: Partial<Record<LinkSetting, string>> = {};
  const layer = (s: Settings, prefix: string): void => {
    if (s.mac) [link.mac, sources.mac] = [parseUnicastMac(s.mac, `${prefix}mac`), `${prefix}mac`];
    if (s.promisc !== undefined) [link.promisc, sources.promisc] = [s.promisc, `${prefix}promisc`];
    if (s.mtu !== undefined) [link.mtu, sources.mtu] = [s.mtu, `${prefix}mtu`];
    if (s.allmulti !== undefined) [link.allmulti, sources.allmulti] = [s.allmulti, `${prefix}allmulti`];
    if (s.txQLen !== undefined) [link.txQueueLen, sources.txQueueLen] = [s.txQLen, `${prefix}txQLen`];
  };
  layer(c, '');
  const argMac = req.args.get('MAC');
  if (argMac) [link.mac, sources.mac] = [parseUnicastMac(argMac, 'CNI_ARGS MAC'), 'CNI_ARGS MAC'];
  if (c.runtimeConfig?.mac) [link.mac, sources.mac] = [parseUnicastMac(c.runtimeConfig.mac, 'runtimeConfig.mac'), 'runtimeConfig.mac'];
  const argsCni = c.args?.cni;
  if (argsCni) layer(argsCni, 'args.cni.');
  // Go's zero values: promisc false and mtu 0 ask for nothing
  if (link.promisc === false) delete link.promisc;
  if (link.mtu === 0) delete link.mtu;

  const byKey = new Map<string, SysctlSetting>();
  const addSysctls = (map: Record<string, string> | undefined, source: string): void => {
    for (const [key, value] of Object.entries(map ?? {})) byKey.set(key, { key, source, name: resolveSysctlName(key, req.ifname, source), value });
  };
  addSysctls(c.sysctl, 'sysctl');
  addSysctls(argsCni?.sysctl, 'args.cni.sysctl');

  return { dataDir: c.dataDir || DEFAULT_DATA_DIR, sysctls: [...byKey.values()], link, sources };
}

/**
 * DEL's configuration: only where the backup is. The rest of the configuration does not
 * matter to a DEL, and a key ADD refused must not make the DEL fail as well (a runtime would
 * retry it for ever).
 * @throws CniError code 7 when dataDir is given but not a path: the backup cannot be found then.
 */
export function parseDataDir(req: AttachmentRequest): string {
  const dataDir = req.config.dataDir;
  if (dataDir === undefined || dataDir === null || dataDir === '') return DEFAULT_DATA_DIR;
  if (typeof dataDir !== 'string' || dataDir.includes('\0')) throw new CniError(ErrorCode.InvalidConfig, `invalid dataDir ${JSON.stringify(dataDir)}`, 'expected a path (a string without NUL)');
  return dataDir;
}

/**
 * The interface plugin's result that ADD and CHECK work on.
 * @throws CniError code 7 when tuning is not chained after one (Go: "Required prevResult missing").
 */
export function requirePrevResult(req: AttachmentRequest): Result {
  return requirePrevResultOf(req.config, {
    msg: 'required prevResult missing',
    details: 'tuning needs prevResult: put it after an interface plugin such as bridge in a conflist',
  });
}
