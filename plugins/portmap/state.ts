import { ipToString, subnetOf } from '../../lib/addr/index.ts';
import { CniError, ErrorCode } from '../../lib/cni/index.ts';
import type { Attachment, Owner } from '../../lib/core/index.ts';
import type { BackendName } from '../../lib/firewall/index.ts';
import type { ContainerAddress, PortmapSpec } from '../../lib/firewall/portmap/index.ts';
import { type Report, readRecord, recordedAttachments, removeRecord, removeRecordAndLeftovers, writeRecord } from '../../lib/firewall/records.ts';
import { PlantedEntryError } from '../../lib/sys/state-file.ts';
import { checkRecord } from './state-shape.ts';

// What ADD installed, per attachment (lib/firewall/records.ts), so that DEL removes exactly
// that without the runtime having to send the mappings again (the reference leaks rules when
// it does not) and without listing the firewall. Only attachments with mappings get a file: a
// DEL without a file and without mappings has nothing to do and costs one failed open. The
// file spells container addresses as text, as it did before the spec carried them parsed, so
// old files still load. A damaged record still says that ADD installed something, so DEL then
// removes the attachment's rules by owner.

export type { Report };

const toStderr: Report = (line) => process.stderr.write(`portmap: ${line}\n`);
const BY_OWNER = "finding this attachment's rules by owner";

const ADDRESS_KEYS: ReadonlySet<string> = new Set(['containerIPv4', 'containerIPv6']);

function addressToText(key: string, value: unknown): unknown {
  if (!ADDRESS_KEYS.has(key)) return value;
  const a = value as ContainerAddress;
  return { ip: ipToString(a.ip), subnet: subnetOf(a) };
}

/**
 * Records the spec atomically. A link or fifo planted at its name is replaced itself
 * (reported), never written through.
 * @throws CniError code 5 when a directory stands where the record belongs
 */
export function saveState(stateDir: string, spec: PortmapSpec, backend: BackendName, report: Report = toStderr): void {
  try {
    writeRecord(stateDir, spec, JSON.stringify({ backend, spec }, addressToText), report);
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
  const read = readRecord(stateDir, owner, BY_OWNER, report);
  if (read.kind !== 'json') return read;
  const checked = checkRecord(read.value, owner);
  if (!checked.ok) {
    report(`state file ${read.path} is damaged: ${checked.reason}; ${BY_OWNER}`);
    return { kind: 'damaged' };
  }
  return { kind: 'recorded', backend: checked.backend, spec: checked.spec };
}

/** Forgets an attachment; already gone is fine, a link is removed itself, a directory reported and left. */
export function removeState(stateDir: string, owner: Owner, report: Report = toStderr): void {
  removeRecord(stateDir, owner, report);
}

/** Forgets an attachment for DEL: its record and an ADD's leftover temporary file. */
export function removeStateAndLeftovers(stateDir: string, owner: Owner, report: Report = toStderr): void {
  removeRecordAndLeftovers(stateDir, owner, report);
}

/**
 * The recorded specs of the network's attachments that `valid` does not list (GC): what their
 * ADDs installed, with the backend each used. Damaged records are reported and skipped: their
 * rules can then be found only by a layout that names the network.
 */
export function staleRecordedSpecs(stateDir: string, network: string, valid: readonly Attachment[], report: Report = toStderr): Array<{ backend: BackendName; spec: PortmapSpec }> {
  const out: Array<{ backend: BackendName; spec: PortmapSpec }> = [];
  for (const owner of recordedAttachments(stateDir, network, valid, report).stale) {
    const loaded = loadState(stateDir, owner, report);
    if (loaded.kind === 'recorded') out.push({ backend: loaded.backend, spec: loaded.spec });
  }
  return out;
}

/** Forgets every attachment of the network but the valid ones (GC); damaged records go too. */
export function removeStatesExcept(stateDir: string, network: string, valid: readonly Attachment[], report: Report = toStderr): void {
  for (const owner of recordedAttachments(stateDir, network, valid, report).stale) removeRecordAndLeftovers(stateDir, owner, report);
}
