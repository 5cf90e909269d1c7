// The messages a DHCP client sends in each state (RFC 2131 §4.4 and table 5), and the test of
// whether a reply answers one of them. Pure, so the options of every message are unit-tested.
import {
  BOOTREPLY,
  BOOTREQUEST,
  type DhcpMessage,
  DhcpMessageType,
  FLAG_BROADCAST,
  Option,
  ipv4Bytes,
  messageType,
  optionIpv4,
} from './message.ts';

/** Who the client is and what it asks for; the same for every message of one lease. */
export interface ClientIdentity {
  /** Sent as option 61 with type 0 (not a hardware address), as Go's daemon does. */
  readonly clientId: string;
  readonly mac: Uint8Array;
  /** The Parameter Request List (option 55). */
  readonly requested: readonly number[];
  /** Options sent as given (a provided option 61 replaces the generated one). */
  readonly provided: ReadonlyMap<number, Uint8Array>;
}

const NONE = '0.0.0.0';

/** Option 61 as sent: the configured one, else type 0 and the client id text. */
function clientIdOption(id: ClientIdentity): Uint8Array {
  return id.provided.get(Option.CLIENT_ID) ?? Buffer.concat([Uint8Array.of(0), Buffer.from(id.clientId, 'utf8')]);
}

function base(id: ClientIdentity, xid: number, ciaddr: string, options: [number, Uint8Array][]): DhcpMessage {
  return {
    op: BOOTREQUEST,
    xid,
    secs: 0,
    // the replies must reach a UDP socket whose interface may not hold the address yet: ask
    // servers to broadcast them (see plugins/dhcp/dhcp-socket.ts)
    flags: FLAG_BROADCAST,
    ciaddr,
    yiaddr: NONE,
    siaddr: NONE,
    giaddr: NONE,
    chaddr: id.mac,
    options: new Map(options),
  };
}

/** The options every DISCOVER and REQUEST carries besides its own. */
function common(id: ClientIdentity, withRequestList: boolean): [number, Uint8Array][] {
  const out: [number, Uint8Array][] = [[Option.CLIENT_ID, clientIdOption(id)]];
  if (withRequestList && id.requested.length) out.push([Option.PARAMETER_REQUEST_LIST, Uint8Array.from(id.requested)]);
  for (const [code, value] of id.provided) if (code !== Option.CLIENT_ID) out.push([code, value]);
  return out;
}

const type = (t: number): [number, Uint8Array] => [Option.MESSAGE_TYPE, Uint8Array.of(t)];

export function discoverMessage(id: ClientIdentity, xid: number): DhcpMessage {
  return base(id, xid, NONE, [type(DhcpMessageType.DISCOVER), ...common(id, true)]);
}

/**
 * The REQUEST that takes an OFFER (SELECTING): the offered address in option 50, the chosen
 * server in 54, ciaddr zero.
 * @throws {RangeError} when the offer names no server (it cannot be taken).
 */
export function selectingRequest(id: ClientIdentity, xid: number, offer: DhcpMessage): DhcpMessage {
  const server = optionIpv4(offer, Option.SERVER_ID);
  if (server === undefined) throw new RangeError('the DHCPOFFER has no server identifier');
  return base(id, xid, NONE, [
    type(DhcpMessageType.REQUEST),
    [Option.REQUESTED_ADDRESS, ipv4Bytes(offer.yiaddr)],
    [Option.SERVER_ID, ipv4Bytes(server)],
    ...common(id, true),
  ]);
}

/**
 * The REQUEST that extends a lease (RENEWING: unicast to its server; REBINDING: broadcast):
 * ciaddr is the address, options 50 and 54 absent.
 */
export function extendRequest(id: ClientIdentity, xid: number, address: string): DhcpMessage {
  return base(id, xid, address, [type(DhcpMessageType.REQUEST), ...common(id, true)]);
}

/** RELEASE: ciaddr is the address given back, option 54 the server that leased it. */
export function releaseMessage(id: ClientIdentity, xid: number, address: string, serverId: string): DhcpMessage {
  return { ...base(id, xid, address, [type(DhcpMessageType.RELEASE), [Option.SERVER_ID, ipv4Bytes(serverId)], [Option.CLIENT_ID, clientIdOption(id)]]), flags: 0 };
}

/** Whether `msg` is a server's reply of one of `types` to our transaction `xid`. */
export function isReplyTo(id: ClientIdentity, xid: number, msg: DhcpMessage, types: readonly number[]): boolean {
  if (msg.op !== BOOTREPLY || msg.xid !== xid >>> 0) return false;
  if (msg.chaddr.length < id.mac.length || !id.mac.every((b, i) => msg.chaddr[i] === b)) return false;
  const t = messageType(msg);
  return t !== undefined && types.includes(t);
}
