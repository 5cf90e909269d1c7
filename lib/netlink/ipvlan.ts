import type { ChildLinkKind } from './child-link.ts';
import { u16Attr } from './wire.ts';

// ipvlan (drivers/net/ipvlan): children sharing the parent's MAC, told apart by IP address.

/** IFLA_IPVLAN_MODE inside IFLA_INFO_DATA (u16). */
export const IFLA_IPVLAN_MODE = 1;
/** IFLA_IPVLAN_FLAGS (u16): bridge (0), private, vepa. Not sent: bridge is the kernel's default, as in the reference. */
export const IFLA_IPVLAN_FLAGS = 2;

/** The ipvlan modes by name, with their IPVLAN_MODE_* values. */
export const IPVLAN_MODES = { l2: 0, l3: 1, l3s: 2 } as const;

/** An ipvlan mode's name. */
export type IpvlanMode = keyof typeof IPVLAN_MODES;

/** The kind and IFLA_INFO_DATA of an ipvlan in `mode`, for createChildLink. */
export function ipvlanKind(mode: IpvlanMode): ChildLinkKind {
  return { kind: 'ipvlan', data: [u16Attr(IFLA_IPVLAN_MODE, IPVLAN_MODES[mode])] };
}

/** The mode an ipvlan's IFLA_INFO_DATA reports; undefined when absent or not one we know. */
export function ipvlanModeOf(data: ReadonlyMap<number, Buffer>): IpvlanMode | undefined {
  const raw = data.get(IFLA_IPVLAN_MODE);
  const value = raw !== undefined && raw.length >= 2 ? raw.readUInt16LE(0) : undefined;
  return (Object.keys(IPVLAN_MODES) as IpvlanMode[]).find((m) => IPVLAN_MODES[m] === value);
}
