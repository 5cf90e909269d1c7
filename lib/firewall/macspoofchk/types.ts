import type { Attachment } from '../../core/index.ts';
import type { FirewallBackend } from '../backend.ts';

/** One attachment's MAC spoof check: frames from `hostVeth` must carry `mac` as source. */
export interface MacSpoofCheckSpec extends Attachment {
  /** The host end of the container's veth pair, e.g. `veth01234567`. */
  readonly hostVeth: string;
  /** The container interface's MAC, e.g. `0a:00:00:00:00:01`. */
  readonly mac: string;
}

/** What DEL knows: the rules are found by the attachment alone. */
export type MacSpoofCheckTarget = Attachment;

/** The MAC spoof check in one firewall implementation (nftables only, as in Go). */
export type MacSpoofCheckBackend = FirewallBackend<MacSpoofCheckSpec, MacSpoofCheckTarget>;
