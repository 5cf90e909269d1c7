// The daemon's DHCP exchanges on a pod interface: DISCOVER/OFFER/REQUEST/ACK, the REQUEST of
// a renewal or rebinding, and RELEASE. Each opens its socket in the pod's netns for the
// exchange and closes it after.
import { randomBytes } from 'node:crypto';
import { type ClientIdentity, discoverMessage, extendRequest, isReplyTo, releaseMessage, selectingRequest } from '../../lib/dhcp/client-messages.ts';
import { type LeaseGrant, LeaseError, leaseFromAck } from '../../lib/dhcp/lease.ts';
import { DhcpMessageType, Option, macBytes, messageType, optionIpv4 } from '../../lib/dhcp/message.ts';
import { SysError } from '../../lib/sys/index.ts';
import { DhcpSocket, preparePodInterface } from './dhcp-socket.ts';

const BROADCAST = '255.255.255.255';

/** How long exchanges may take. */
export interface ClientTimings {
  /** The longest wait for one answer before resending (waits start at 2 s and double up to this). */
  readonly attemptMs: number;
  /** How long an acquisition keeps trying before it gives up. */
  readonly totalMs: number;
}

export interface ClientTarget {
  readonly netns: string;
  readonly ifname: string;
  readonly clientId: string;
  readonly requested: readonly number[];
  readonly provided: ReadonlyMap<number, Uint8Array>;
}

/** No lease came within the time allowed. */
export class AcquireError extends Error {
  override readonly name = 'AcquireError';
}

function newXid(): number {
  return randomBytes(4).readUInt32BE(0);
}

function identity(target: ClientTarget, mac: string): ClientIdentity {
  return { clientId: target.clientId, mac: macBytes(mac), requested: target.requested, provided: target.provided };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * DISCOVER, OFFER, REQUEST, ACK, resent with growing waits until `timings.totalMs` is spent.
 * Sending fails while a fresh link is still coming up (ENETDOWN): that counts as an attempt.
 * @throws {AcquireError} with the last problem seen.
 * @throws {InterfaceError | NetnsNotFoundError | NotNetnsError} when there is no interface to use.
 */
export async function acquireLease(target: ClientTarget, timings: ClientTimings, log: (line: string) => void): Promise<{ lease: LeaseGrant; mac: string }> {
  const { mac } = preparePodInterface(target.netns, target.ifname);
  const id = identity(target, mac);
  const giveUpAt = Date.now() + timings.totalMs;
  let wait = Math.min(2000, timings.attemptMs);
  let last = 'no DHCPOFFER received';
  const sock = DhcpSocket.open(target.netns, target.ifname);
  try {
    while (Date.now() < giveUpAt) {
      const xid = newXid();
      try {
        sock.send(discoverMessage(id, xid), BROADCAST);
        const offer = await sock.receive(Math.min(Date.now() + wait, giveUpAt), (m) => isReplyTo(id, xid, m, [DhcpMessageType.OFFER]));
        if (offer !== undefined) {
          sock.send(selectingRequest(id, xid, offer), BROADCAST);
          const answer = await sock.receive(Math.min(Date.now() + wait, giveUpAt), (m) => isReplyTo(id, xid, m, [DhcpMessageType.ACK, DhcpMessageType.NAK]));
          if (answer !== undefined && messageType(answer) === DhcpMessageType.ACK) {
            return { lease: leaseFromAck(answer, Date.now(), optionIpv4(offer, Option.SERVER_ID)), mac };
          }
          last = answer === undefined ? `no answer to the DHCPREQUEST for ${offer.yiaddr}` : `DHCPNAK for ${offer.yiaddr}`;
        } else {
          last = 'no DHCPOFFER received';
        }
      } catch (e) {
        if (e instanceof LeaseError) throw new AcquireError(e.message, { cause: e });
        if (!(e instanceof SysError || e instanceof RangeError)) throw e;
        last = e.message;
        log(`${target.clientId}: ${e.message}; retrying`);
        await sleep(Math.min(500, Math.max(0, giveUpAt - Date.now())));
      }
      wait = Math.min(wait * 2, timings.attemptMs);
    }
  } finally {
    sock.close();
  }
  throw new AcquireError(`no DHCP lease on ${target.ifname} in ${target.netns} within ${Math.round(timings.totalMs / 1000)} s: ${last}`);
}

export type ExtendOutcome = { readonly kind: 'ack'; readonly lease: LeaseGrant } | { readonly kind: 'nak' } | { readonly kind: 'none'; readonly why: string };

/**
 * One REQUEST extending `lease`: unicast to its server while renewing (broadcast when that
 * cannot be sent, e.g. the address is not configured yet), broadcast while rebinding.
 */
export async function extendLease(target: ClientTarget, mac: string, lease: LeaseGrant, phase: 'renewing' | 'rebinding', waitMs: number): Promise<ExtendOutcome> {
  const id = identity(target, mac);
  const xid = newXid();
  let sock: DhcpSocket;
  try {
    sock = DhcpSocket.open(target.netns, target.ifname);
  } catch (e) {
    return { kind: 'none', why: (e as Error).message };
  }
  try {
    const msg = extendRequest(id, xid, lease.address);
    try {
      sock.send(msg, phase === 'renewing' ? lease.serverId : BROADCAST);
    } catch (e) {
      if (phase !== 'renewing' || !(e instanceof SysError)) throw e;
      sock.send(msg, BROADCAST);
    }
    const answer = await sock.receive(Date.now() + waitMs, (m) => isReplyTo(id, xid, m, [DhcpMessageType.ACK, DhcpMessageType.NAK]));
    if (answer === undefined) return { kind: 'none', why: `no answer from ${phase === 'renewing' ? lease.serverId : 'any server'}` };
    if (messageType(answer) === DhcpMessageType.NAK) return { kind: 'nak' };
    return { kind: 'ack', lease: leaseFromAck(answer, Date.now(), lease.serverId) };
  } catch (e) {
    if (e instanceof SysError || e instanceof LeaseError) return { kind: 'none', why: e.message };
    throw e;
  } finally {
    sock.close();
  }
}

/** RELEASE to the lease's server (no answer exists). @throws {SysError | NetnsNotFoundError | NotNetnsError} */
export function releaseLease(target: ClientTarget, mac: string, lease: LeaseGrant): void {
  const sock = DhcpSocket.open(target.netns, target.ifname);
  try {
    const msg = releaseMessage(identity(target, mac), newXid(), lease.address, lease.serverId);
    try {
      sock.send(msg, lease.serverId);
    } catch (e) {
      if (!(e instanceof SysError)) throw e;
      sock.send(msg, BROADCAST);
    }
  } finally {
    sock.close();
  }
}
