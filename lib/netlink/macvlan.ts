import type { ChildLinkKind } from './child-link.ts';
import { readU32, u32Attr } from './wire.ts';

// macvlan (drivers/net/macvlan.c): a child with its own MAC on an Ethernet parent.

/** IFLA_MACVLAN_MODE inside IFLA_INFO_DATA (u32). */
export const IFLA_MACVLAN_MODE = 1;

/** IFLA_MACVLAN_BC_QUEUE_LEN (u32, Linux 5.11+): the queue of broadcast frames toward the children. */
export const IFLA_MACVLAN_BC_QUEUE_LEN = 7;

/** The macvlan modes by name, with their MACVLAN_MODE_* values (one bit each). */
export const MACVLAN_MODES = { private: 1, vepa: 2, bridge: 4, passthru: 8, source: 16 } as const;

/** A macvlan mode's name. */
export type MacvlanMode = keyof typeof MACVLAN_MODES;

/**
 * The kind and IFLA_INFO_DATA of a macvlan in `mode`, for createChildLink; `bcQueueLen` is sent
 * only when set (an older kernel would refuse the attribute).
 */
export function macvlanKind(mode: MacvlanMode, bcQueueLen?: number): ChildLinkKind {
  const data = [u32Attr(IFLA_MACVLAN_MODE, MACVLAN_MODES[mode])];
  if (bcQueueLen) data.push(u32Attr(IFLA_MACVLAN_BC_QUEUE_LEN, bcQueueLen));
  return { kind: 'macvlan', data };
}

/** The mode a macvlan's IFLA_INFO_DATA reports; undefined when absent or not one we know. */
export function macvlanModeOf(data: ReadonlyMap<number, Buffer>): MacvlanMode | undefined {
  const value = readU32(data.get(IFLA_MACVLAN_MODE));
  return (Object.keys(MACVLAN_MODES) as MacvlanMode[]).find((m) => MACVLAN_MODES[m] === value);
}
