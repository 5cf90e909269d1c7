import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ipToString, networkAddress, parseCidr, parseIp } from '../../lib/addr/index.ts';
import type { Attachment, Owner } from '../../lib/core/index.ts';
import type { BackendName } from '../../lib/firewall/index.ts';
import type { ContainerAddress, PortmapSpec } from '../../lib/firewall/portmap/index.ts';

// What ADD installed, per attachment, so that DEL removes exactly that without the runtime
// having to send the mappings again (the reference leaks rules when it does not) and without
// listing the firewall. Only attachments with mappings get a file: a DEL without a file and
// without mappings has nothing to do and costs one failed open. The file spells container
// addresses as text, as it did before the spec carried them parsed, so old files still load.

/** `<stateDir>/<network>/<containerID>:<ifname>`: neither may contain ":", so names never collide. */
function file(stateDir: string, owner: Owner): string {
  return join(stateDir, owner.network, `${owner.containerId}:${owner.ifname}`);
}

const ADDRESS_KEYS: ReadonlySet<string> = new Set(['containerIPv4', 'containerIPv6']);

/** A container address as the file spells it: `{"ip":"10.1.0.5","subnet":"10.1.0.0/16"}`. */
interface AddressText {
  readonly ip: string;
  readonly subnet: string;
}

function addressToText(key: string, value: unknown): unknown {
  if (!ADDRESS_KEYS.has(key)) return value;
  const a = value as ContainerAddress;
  return { ip: ipToString(a.ip), subnet: `${ipToString(networkAddress(a))}/${a.prefix}` } satisfies AddressText;
}

function addressFromText(key: string, value: unknown): unknown {
  if (!ADDRESS_KEYS.has(key)) return value;
  const a = value as AddressText;
  return { ip: parseIp(a.ip), prefix: parseCidr(a.subnet).prefix } satisfies ContainerAddress;
}

/** Records the spec atomically (temp file + rename). */
export function saveState(stateDir: string, spec: PortmapSpec, backend: BackendName): void {
  const target = file(stateDir, spec);
  mkdirSync(join(stateDir, spec.network), { recursive: true, mode: 0o700 });
  const tmp = `${target}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify({ backend, spec }, addressToText), { mode: 0o600 });
  renameSync(tmp, target);
}

/** The recorded spec, or undefined when there is none or it is unreadable. */
export function loadState(stateDir: string, owner: Owner): { backend: BackendName; spec: PortmapSpec } | undefined {
  try {
    const state = JSON.parse(readFileSync(file(stateDir, owner), 'utf8'), addressFromText) as { backend: BackendName; spec: PortmapSpec };
    const { spec } = state;
    return spec.network === owner.network && spec.containerId === owner.containerId && spec.ifname === owner.ifname ? state : undefined;
  } catch {
    return undefined;
  }
}

/** Forgets an attachment; already gone is fine. */
export function removeState(stateDir: string, owner: Owner): void {
  rmSync(file(stateDir, owner), { force: true });
}

/**
 * Forgets an attachment for DEL: its record, and the temporary file of an ADD killed before
 * its rename (`<record>.tmp-<pid>`), which nothing else but GC would ever remove.
 */
export function removeStateAndLeftovers(stateDir: string, owner: Owner): void {
  removeState(stateDir, owner);
  const prefix = `${owner.containerId}:${owner.ifname}.tmp-`;
  let names: string[];
  try {
    names = readdirSync(join(stateDir, owner.network));
  } catch {
    return; // no directory: no record was ever written
  }
  for (const n of names) if (n.startsWith(prefix)) rmSync(join(stateDir, owner.network, n), { force: true });
}

/** Forgets every attachment of the network but the valid ones (GC). */
export function removeStatesExcept(stateDir: string, network: string, valid: readonly Attachment[]): void {
  let names: string[];
  try {
    names = readdirSync(join(stateDir, network));
  } catch {
    return;
  }
  const keep = new Set(valid.map((a) => `${a.containerId}:${a.ifname}`));
  for (const n of names) {
    const sep = n.indexOf(':');
    if (sep > 0 && !keep.has(n)) removeState(stateDir, { network, containerId: n.slice(0, sep), ifname: n.slice(sep + 1) });
  }
}
