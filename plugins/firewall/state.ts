import { type Ip, ipToString, tryParseIp } from '../../lib/addr/index.ts';
import { CniError, ErrorCode } from '../../lib/cni/index.ts';
import type { Attachment, Owner } from '../../lib/core/index.ts';
import type { BackendName } from '../../lib/firewall/index.ts';
import { type Report, readRecord, recordedAttachments, removeRecord, removeRecordAndLeftovers, writeRecord } from '../../lib/firewall/records.ts';
import { PlantedEntryError } from '../../lib/sys/state-file.ts';

// The pod addresses (and backend) ADD gave rules to, per attachment (lib/firewall/records.ts).
// iptables rules name only an address, as Go's do: a DEL without prevResult (every runtime
// below spec 0.4.0, and a 1.x runtime that lost its cache) and GC can find them only here.
// File: {"backend":"iptables","network":…,"containerId":…,"ifname":…,"ips":["10.1.0.5"]}.

const toStderr: Report = (line) => process.stderr.write(`firewall: ${line}\n`);
const FALLBACK = "removing only the rules that name their owner (nftables)";

/** What ADD installed for one attachment. */
export interface FirewallRecord {
  readonly backend: BackendName;
  readonly ips: readonly Ip[];
}

/**
 * Records what ADD installed. A link or fifo planted at its name is replaced itself
 * (reported), never written through.
 * @throws CniError code 5 when a directory (or a link) stands where the record or its network's directory belongs
 */
export function saveRecord(stateDir: string, owner: Owner, record: FirewallRecord, report: Report = toStderr): void {
  const { network, containerId, ifname } = owner;
  try {
    writeRecord(stateDir, owner, JSON.stringify({ backend: record.backend, network, containerId, ifname, ips: record.ips.map(ipToString) }), report);
  } catch (e) {
    if (e instanceof PlantedEntryError) throw new CniError(ErrorCode.IoFailure, `cannot record the firewall rules: ${e.message}`);
    throw e;
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The record's meaning, or why it is unusable (a foreign format, hand edits, another owner). */
function checkRecord(v: unknown, owner: Owner): FirewallRecord | string {
  if (!isObj(v)) return 'it is not a firewall record ({"backend", "ips", ...})';
  if (v.backend !== 'iptables' && v.backend !== 'nftables') return `unknown backend ${JSON.stringify(v.backend)}`;
  if (v.network !== owner.network || v.containerId !== owner.containerId || v.ifname !== owner.ifname) {
    return `it belongs to network ${JSON.stringify(v.network)}, container ${JSON.stringify(v.containerId)}, interface ${JSON.stringify(v.ifname)}`;
  }
  const ips = Array.isArray(v.ips) ? v.ips.map((s) => (typeof s === 'string' ? tryParseIp(s) : undefined)) : [undefined];
  if (ips.some((ip) => ip === undefined)) return '"ips" is not a list of addresses';
  return { backend: v.backend, ips: ips as Ip[] };
}

/** The record of an attachment, if there is a usable one; damage and planted entries are reported, never followed. */
export function loadRecord(stateDir: string, owner: Owner, report: Report = toStderr): FirewallRecord | undefined {
  const read = readRecord(stateDir, owner, FALLBACK, report);
  if (read.kind !== 'json') return undefined;
  const checked = checkRecord(read.value, owner);
  if (typeof checked === 'string') {
    report(`state file ${read.path} is damaged: ${checked}; ${FALLBACK}`);
    return undefined;
  }
  return checked;
}

/** Forgets an attachment (ADD's undo). */
export function forgetRecord(stateDir: string, owner: Owner, report: Report = toStderr): void {
  removeRecord(stateDir, owner, report);
}

/** Forgets an attachment for DEL: its record and an ADD's leftover temporary file. */
export function forgetRecordAndLeftovers(stateDir: string, owner: Owner, report: Report = toStderr): void {
  removeRecordAndLeftovers(stateDir, owner, report);
}

/** A stale attachment for GC: who it was, and what its record says (undefined: damaged). */
export interface StaleRecord {
  readonly owner: Owner;
  readonly record: FirewallRecord | undefined;
}

/**
 * What GC needs: the records of the invalid attachments, the addresses valid ones still use,
 * and the valid attachments without a record of ours (added by another implementation, such
 * as the Go plugin before a switch in place), whose addresses are unknown.
 */
export interface GcRecords {
  readonly stale: readonly StaleRecord[];
  readonly addressesInUse: ReadonlySet<string>;
  readonly unrecordedValid: readonly Attachment[];
}

/** Reads the network's records for GC, split by `valid` (damage reported). */
export function recordsForGc(stateDir: string, network: string, valid: readonly Attachment[], report: Report = toStderr): GcRecords {
  const found = recordedAttachments(stateDir, network, valid, report);
  const addressesInUse = new Set(found.valid.flatMap((o) => (loadRecord(stateDir, o, report)?.ips ?? []).map(ipToString)));
  const recorded = new Set(found.valid.map((o) => `${o.containerId}:${o.ifname}`));
  const unrecordedValid = valid.filter((a) => !recorded.has(`${a.containerId}:${a.ifname}`));
  return { stale: found.stale.map((owner) => ({ owner, record: loadRecord(stateDir, owner, report) })), addressesInUse, unrecordedValid };
}
