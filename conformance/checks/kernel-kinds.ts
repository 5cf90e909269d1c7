// Whether the machine's kernel can make a VLAN or VRF device, asked by making one in a
// throwaway namespace: the vlan and vrf checks that need the device skip with the kernel's
// answer where it cannot (such a kernel is what the "-missing-kernel" checks run on).
import type { CheckContext } from '../types.ts';

/** The kernel's answer to making a `kind` device, or undefined when it made one. */
export function kindUnsupported(ctx: CheckContext, kind: 'vlan' | 'vrf'): string | undefined {
  const ns = ctx.namespace(`probe-${kind}`);
  ns.exec(['ip', 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1']);
  const argv = kind === 'vlan' ? ['ip', 'link', 'add', 'link', 'p0', 'name', 'p0.5', 'type', 'vlan', 'id', '5'] : ['ip', 'link', 'add', 'vrfprobe', 'type', 'vrf', 'table', '10'];
  const r = ns.tryExec(argv);
  ns.remove();
  return r.code === 0 ? undefined : `the kernel cannot make a ${kind} device: ${r.stderr.trim() || `exit ${r.code}`}`;
}

/** Skips the check unless the kernel can make a `kind` device. */
export function requireKind(ctx: CheckContext, kind: 'vlan' | 'vrf'): void {
  const why = kindUnsupported(ctx, kind);
  if (why) ctx.skip(why);
}

/** Skips the check when the kernel can make a `kind` device (it tests the error for a kernel without). */
export function requireMissingKind(ctx: CheckContext, kind: 'vlan' | 'vrf'): void {
  if (!kindUnsupported(ctx, kind)) ctx.skip(`the kernel has ${kind} support: this check is for a kernel without`);
}
