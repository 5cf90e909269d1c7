// The protocol between the dhcp plugin and the cni-ts dhcp daemon, over the daemon's unix
// stream socket. It is ours, not Go's (Go's daemon speaks net/rpc with gob encoding): a node
// runs our daemon with our plugin, or Go's with Go's.
//
// One request per connection: the plugin writes one JSON object and a newline, the daemon
// answers one JSON object and a newline and closes. Every message carries "version": 1; a
// daemon answers a version it does not know with an error naming the versions it speaks.
//
//   request:  {"version":1, "op":"allocate"|"check"|"release",
//              "containerId", "network", "ifname", "netns" (absolute path; "" on release),
//              "requested": [option codes], "provided": [{"code", "hex"}]}
//   answer:   {"version":1, "ok":true, "lease": {address, prefix, router?, routes[{dst, gw}],
//              dnsServers[], domain?, leaseSeconds, boundAt}}   (release: no lease)
//             {"version":1, "ok":false, "error": {"code", "msg", "details"?}}   (CNI error codes)
//
// allocate: a lease for the attachment, reusing a known one (ADD); check: the known lease, or
// an error when there is none (CHECK); release: DHCPRELEASE and forget, success when unknown.
import type { ProvidedOption } from './config.ts';

export const PROTOCOL_VERSION = 1;
/** Far larger than any message; a peer sending more is not one of ours. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

export type DaemonOp = 'allocate' | 'check' | 'release';

export interface DaemonRequest {
  readonly version: number;
  readonly op: DaemonOp;
  readonly containerId: string;
  readonly network: string;
  readonly ifname: string;
  readonly netns: string;
  readonly requested: readonly number[];
  readonly provided: readonly ProvidedOption[];
}

/** The lease as the plugin turns it into a result. */
export interface LeaseView {
  readonly address: string;
  readonly prefix: number;
  readonly router?: string;
  readonly routes: readonly { readonly dst: string; readonly gw: string }[];
  readonly dnsServers: readonly string[];
  readonly domain?: string;
  readonly leaseSeconds: number;
  readonly boundAt: number;
}

export interface DaemonError {
  readonly code: number;
  readonly msg: string;
  readonly details?: string;
}

export type DaemonAnswer =
  | { readonly version: number; readonly ok: true; readonly lease?: LeaseView }
  | { readonly version: number; readonly ok: false; readonly error: DaemonError };

/** A message that is not the protocol. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

/**
 * Go's client identifier: "<containerID>/<network>/<ifname>", cut to 254 bytes (option 61
 * holds 255 with its type byte). It is also the daemon's key for the lease.
 */
export function clientIdOf(containerId: string, network: string, ifname: string): string {
  const id = Buffer.from(`${containerId}/${network}/${ifname}`, 'utf8');
  return id.subarray(0, 254).toString('utf8');
}

export function encodeMessage(msg: DaemonRequest | DaemonAnswer): string {
  return `${JSON.stringify(msg)}\n`;
}

function parseObject(line: string): Record<string, unknown> {
  if (Buffer.byteLength(line) > MAX_MESSAGE_BYTES) throw new ProtocolError(`message over ${MAX_MESSAGE_BYTES} bytes`);
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    throw new ProtocolError(`not JSON: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ProtocolError('not a JSON object');
  const o = v as Record<string, unknown>;
  if (o.version !== PROTOCOL_VERSION) throw new ProtocolError(`protocol version ${JSON.stringify(o.version)}; this side speaks ${PROTOCOL_VERSION}`);
  return o;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isByte = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 255;

/** @throws {ProtocolError} */
export function decodeRequest(line: string): DaemonRequest {
  const o = parseObject(line);
  if (o.op !== 'allocate' && o.op !== 'check' && o.op !== 'release') throw new ProtocolError(`unknown op ${JSON.stringify(o.op)}`);
  for (const k of ['containerId', 'network', 'ifname', 'netns'] as const) {
    if (!isString(o[k])) throw new ProtocolError(`${k} must be a string`);
  }
  if (o.containerId === '' || o.ifname === '') throw new ProtocolError('containerId and ifname must not be empty');
  if (o.op !== 'release' && !(o.netns as string).startsWith('/')) throw new ProtocolError('netns must be an absolute path');
  const requested = o.requested ?? [];
  if (!Array.isArray(requested) || !requested.every(isByte)) throw new ProtocolError('requested must be a list of option codes');
  const provided = o.provided ?? [];
  if (!Array.isArray(provided) || !provided.every((p) => typeof p === 'object' && p !== null && isByte(p.code) && isString(p.hex) && /^([0-9a-f]{2}){0,255}$/.test(p.hex))) {
    throw new ProtocolError('provided must be a list of {"code", "hex"}');
  }
  return {
    version: PROTOCOL_VERSION,
    op: o.op,
    containerId: o.containerId as string,
    network: o.network as string,
    ifname: o.ifname as string,
    netns: o.netns as string,
    requested: requested as number[],
    provided: (provided as ProvidedOption[]).map((p) => ({ code: p.code, hex: p.hex })),
  };
}

/** @throws {ProtocolError} */
export function decodeAnswer(line: string): DaemonAnswer {
  const o = parseObject(line);
  if (o.ok === true) {
    if (o.lease === undefined) return { version: PROTOCOL_VERSION, ok: true };
    const l = o.lease as Record<string, unknown> | null;
    if (typeof l !== 'object' || l === null || !isString(l.address) || !Number.isInteger(l.prefix) || !Array.isArray(l.routes) || !Array.isArray(l.dnsServers)) {
      throw new ProtocolError('lease lacks address, prefix, routes or dnsServers');
    }
    return { version: PROTOCOL_VERSION, ok: true, lease: l as unknown as LeaseView };
  }
  if (o.ok === false) {
    const e = o.error as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null || !Number.isInteger(e.code) || !isString(e.msg)) throw new ProtocolError('error lacks code or msg');
    return { version: PROTOCOL_VERSION, ok: false, error: { code: e.code as number, msg: e.msg, ...(isString(e.details) ? { details: e.details } : {}) } };
  }
  throw new ProtocolError('"ok" must be true or false');
}
