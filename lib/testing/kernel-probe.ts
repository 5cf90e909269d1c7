import { createNamespace } from './netns.ts';

// Test-only: does this kernel have a link kind? Asked the only safe way, by creating one in a
// throwaway namespace (modules such as 8021q or vrf may also be loadable on demand, which a
// look at /proc/modules would miss). Integration tests skip with the reason when it does not.

/** The `ip link add` arguments that make one device of each kind, after a veth `p0` exists. */
const PROBES: Readonly<Record<string, readonly string[]>> = {
  vlan: ['link', 'add', 'link', 'p0', 'name', 'p0.5', 'type', 'vlan', 'id', '5'],
  vrf: ['link', 'add', 'vrfprobe', 'type', 'vrf', 'table', '10'],
};

/** True when the kernel creates a device of `kind` ('vlan', 'vrf'); false with the kernel's answer in `reason`. */
export function probeLinkKind(kind: 'vlan' | 'vrf'): { readonly supported: boolean; readonly reason: string } {
  const ns = createNamespace(`probe-${kind}`);
  try {
    ns.exec(['ip', 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1']);
    const r = ns.tryExec(['ip', ...(PROBES[kind] ?? [])]);
    return { supported: r.code === 0, reason: r.code === 0 ? '' : `this kernel cannot create a ${kind} device (${r.stderr.trim() || `exit ${r.code}`})` };
  } finally {
    ns.remove();
  }
}
