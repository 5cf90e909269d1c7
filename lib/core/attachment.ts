// The keys every layer names an attachment by: the runtime's (GC's valid-attachments), the
// firewall's (rule owners), IPAM's (reservation holders). Defined once, below all of them.

/** One container interface: what GC's `cni.dev/valid-attachments` lists. */
export interface Attachment {
  readonly containerId: string;
  readonly ifname: string;
}

/** An attachment within one network: what firewall rules and state records are keyed by. */
export interface Owner extends Attachment {
  readonly network: string;
}
