import { sha512HexOf } from './sha512.ts';

// Chain names and comments are an on-host contract with the Go reference plugins: a node
// upgraded in place (or downgraded) must find the rules the other implementation made.
// Golden vectors: shared/docs/reference-benchmarks.md section 3.1.

/** Lowercase hex of sha512 over the concatenated parts (no separator, as Go does). */
export function sha512Hex(...parts: readonly string[]): string {
  return sha512HexOf(parts.join(''));
}

/** `CNI-` + 24 hex chars of sha512(network + containerID): the masquerade chain Go's bridge and ptp use (28 chars). */
export function masqChainName(network: string, containerId: string): string {
  return `CNI-${sha512Hex(network, containerId).slice(0, 24)}`;
}

/** `CNI-DN-` + 21 hex chars of the same hash: the portmap per-container DNAT chain (28 chars). */
export function portmapDnatChainName(network: string, containerId: string): string {
  return `CNI-DN-${sha512Hex(network, containerId).slice(0, 21)}`;
}

/** `CNI-SN-` + 21 hex chars: the SNAT chain of older portmap versions, only ever torn down. */
export function portmapLegacySnatChainName(network: string, containerId: string): string {
  return `CNI-SN-${sha512Hex(network, containerId).slice(0, 21)}`;
}

/** The comment the Go ipMasq code puts on every masquerade rule. */
export function masqComment(network: string, containerId: string): string {
  return `name: "${network}" id: "${containerId}"`;
}

/** The nftables table (family inet) the Go plugins keep their masquerade rules in. */
export const NFT_MASQ_TABLE = 'cni_plugins_masquerade';
/** The regular chain holding one masquerade rule per container address. */
export const NFT_MASQ_CHAIN = 'masq_checks';
/** The base chain (nat, postrouting, srcnat) that skips multicast and jumps to NFT_MASQ_CHAIN. */
export const NFT_MASQ_POSTROUTING = 'postrouting';
/** The comment Go puts on the table; our `add table` repeats it so both write the same object. */
export const NFT_MASQ_TABLE_COMMENT = 'Masquerading for plugins from github.com/containernetworking/plugins';
/** The comment Go puts on masq_checks, repeated for the same reason. */
export const NFT_MASQ_CHAIN_COMMENT = 'Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet';
/** knftables' limit on a comment, in bytes. */
export const NFT_COMMENT_MAX = 128;

/** 16 hex chars of sha512(network): the prefix shared by all of a network's nft masquerade rules. */
export function nftMasqNetworkHash(network: string): string {
  return sha512Hex(network).slice(0, 16);
}

/** `<hash16(network)>-<hash16(ifname:containerID)>`: the start of one attachment's rule comments. */
export function nftMasqInstanceHash(network: string, ifname: string, containerId: string): string {
  return `${nftMasqNetworkHash(network)}-${sha512Hex(`${ifname}:${containerId}`).slice(0, 16)}`;
}

/**
 * The comment on an attachment's nft masquerade rules, as Go writes it: instance hash, then a
 * readable description without double quotes, cut to 128 bytes.
 */
export function nftMasqComment(network: string, ifname: string, containerId: string): string {
  const strip = (s: string): string => s.replaceAll('"', '');
  const full = `${nftMasqInstanceHash(network, ifname, containerId)}, net: ${strip(network)}, if: ${strip(ifname)}, id: ${strip(containerId)}`;
  const bytes = Buffer.from(full, 'utf8');
  return bytes.length <= NFT_COMMENT_MAX ? full : bytes.subarray(0, NFT_COMMENT_MAX).toString('utf8');
}
