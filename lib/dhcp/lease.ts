// A lease and its timeline (RFC 2131 §4.4.5): BOUND until T1, RENEWING (unicast to the server
// that gave it) until T2, REBINDING (broadcast, any server) until the lease expires. Pure: every
// function takes the clock as an argument, so the whole timeline is unit-tested.
import {
  type DhcpMessage,
  type DhcpRoute,
  DhcpDecodeError,
  Option,
  decodeClasslessRoutes,
  decodeStaticRoutes,
  maskPrefix,
  optionIpv4,
  optionIpv4List,
  optionUint32,
} from './message.ts';

/** Without option 51 a lease is taken to last an hour (Go's daemon does the same). */
export const DEFAULT_LEASE_SECONDS = 3600;

/** What an ACK granted, as kept (and persisted) by the daemon. */
export interface LeaseGrant {
  /** "a.b.c.d". */
  readonly address: string;
  readonly prefix: number;
  /** Option 54, where RENEWING sends its requests. */
  readonly serverId: string;
  /** Option 3, first entry. */
  readonly router: string | undefined;
  /** Option 121 if given (then 33 and 3 are not routes, RFC 3442), else option 33 and a default via the router. */
  readonly routes: readonly DhcpRoute[];
  /** Option 6. */
  readonly dnsServers: readonly string[];
  /** Option 15. */
  readonly domain: string | undefined;
  readonly leaseSeconds: number;
  readonly t1Seconds: number;
  readonly t2Seconds: number;
  /** When the ACK was received (ms since the epoch): the times above count from here. */
  readonly boundAt: number;
}

/** An ACK that cannot be used as a lease. */
export class LeaseError extends Error {
  override readonly name = 'LeaseError';
}

/**
 * The lease an ACK grants, bound at `now`.
 * @throws {LeaseError} when the ACK lacks an address, a subnet mask or a server identifier.
 */
export function leaseFromAck(ack: DhcpMessage, now: number, serverIdFallback?: string): LeaseGrant {
  if (ack.yiaddr === '0.0.0.0') throw new LeaseError('the DHCPACK assigns no address (yiaddr 0.0.0.0)');
  const mask = optionIpv4(ack, Option.SUBNET_MASK);
  if (mask === undefined) throw new LeaseError('DHCP option Subnet Mask not found in DHCPACK');
  const prefix = maskPrefix(mask);
  if (prefix === undefined) throw new LeaseError(`the DHCPACK's subnet mask ${mask} is not contiguous`);
  const serverId = optionIpv4(ack, Option.SERVER_ID) ?? serverIdFallback;
  if (serverId === undefined) throw new LeaseError('DHCP option Server Identifier not found in DHCPACK');
  const router = optionIpv4List(ack, Option.ROUTERS)[0];
  const leaseSeconds = optionUint32(ack, Option.LEASE_TIME) ?? DEFAULT_LEASE_SECONDS;
  let t1Seconds = optionUint32(ack, Option.RENEWAL_TIME) ?? Math.floor(leaseSeconds / 2);
  let t2Seconds = optionUint32(ack, Option.REBINDING_TIME) ?? Math.floor((leaseSeconds * 7) / 8);
  // a server's T1/T2 that do not fit T1 <= T2 <= lease are replaced by the defaults (RFC 2131 §4.4.5)
  if (t2Seconds > leaseSeconds) t2Seconds = Math.floor((leaseSeconds * 7) / 8);
  if (t1Seconds > t2Seconds) t1Seconds = Math.floor(leaseSeconds / 2);
  const domainBytes = ack.options.get(Option.DOMAIN_NAME);
  const domain = domainBytes?.length ? Buffer.from(domainBytes).toString('utf8').replace(/\0+$/, '') : undefined;
  return {
    address: ack.yiaddr,
    prefix,
    serverId,
    router,
    routes: routesOf(ack, router),
    dnsServers: optionIpv4List(ack, Option.DNS_SERVERS),
    domain: domain || undefined,
    leaseSeconds,
    t1Seconds,
    t2Seconds,
    boundAt: now,
  };
}

function routesOf(ack: DhcpMessage, router: string | undefined): DhcpRoute[] {
  const classless = ack.options.get(Option.CLASSLESS_STATIC_ROUTES);
  if (classless !== undefined && classless.length > 0) {
    try {
      return decodeClasslessRoutes(classless);
    } catch (e) {
      // RFC 3442: a malformed option is ignored, as if absent
      if (!(e instanceof DhcpDecodeError)) throw e;
    }
  }
  const routes = decodeStaticRoutes(ack.options.get(Option.STATIC_ROUTES) ?? new Uint8Array());
  if (router !== undefined) routes.push({ dst: '0.0.0.0/0', gw: router });
  return routes;
}

/** Where a lease stands at a moment. */
export type LeasePhase = 'bound' | 'renewing' | 'rebinding' | 'expired';

export interface LeaseTimes {
  readonly renewAt: number;
  readonly rebindAt: number;
  readonly expiresAt: number;
}

export function leaseTimes(lease: LeaseGrant): LeaseTimes {
  return {
    renewAt: lease.boundAt + lease.t1Seconds * 1000,
    rebindAt: lease.boundAt + lease.t2Seconds * 1000,
    expiresAt: lease.boundAt + lease.leaseSeconds * 1000,
  };
}

export function leasePhase(lease: LeaseGrant, now: number): LeasePhase {
  const t = leaseTimes(lease);
  if (now >= t.expiresAt) return 'expired';
  if (now >= t.rebindAt) return 'rebinding';
  if (now >= t.renewAt) return 'renewing';
  return 'bound';
}

/** The shortest wait between two retransmissions while renewing or rebinding (RFC 2131 says 60 s; short test leases need less). */
export const MIN_RETRY_MS = 1000;

/**
 * What the maintenance loop does next at `now`: wait until `at`, then act as `phase` says.
 * While renewing or rebinding it retries at half the time left to the next boundary
 * (RFC 2131 §4.4.5), never sooner than `minRetryMs`, never past the boundary.
 */
export function nextStep(lease: LeaseGrant, now: number, minRetryMs = MIN_RETRY_MS): { phase: LeasePhase; at: number } {
  const t = leaseTimes(lease);
  const phase = leasePhase(lease, now);
  switch (phase) {
    case 'bound':
      return { phase: 'renewing', at: t.renewAt };
    case 'renewing':
      return { phase, at: Math.min(t.rebindAt, now + Math.max(minRetryMs, (t.rebindAt - now) / 2)) };
    case 'rebinding':
      return { phase, at: Math.min(t.expiresAt, now + Math.max(minRetryMs, (t.expiresAt - now) / 2)) };
    case 'expired':
      return { phase, at: now };
  }
}
