import type { AnyResult } from '../../cni/index.ts';

/** JSON as Go's cnitool prints it (types.PrettyPrint: 4-space indent), plus a final newline. */
export function prettyJson(value: unknown): string {
  return `${JSON.stringify(value, null, 4)}\n`;
}

/** A short human-readable summary of a result of any version. */
export function describeResult(result: AnyResult): string {
  const lines: string[] = [`CNI result (version ${result.cniVersion})`];
  const r = result as unknown as Record<string, unknown>;
  const ifaces = (r.interfaces as { name: string; mac?: string; sandbox?: string }[] | undefined) ?? [];
  ifaces.forEach((i, idx) => {
    lines.push(`  interface ${idx}: ${i.name}${i.mac ? ` mac ${i.mac}` : ''}${i.sandbox ? ` in ${i.sandbox}` : ' (host)'}`);
  });
  for (const ip of (r.ips as { address: string; gateway?: string; interface?: number }[] | undefined) ?? []) {
    const on = ip.interface !== undefined ? ` on interface ${ip.interface}` : '';
    lines.push(`  address ${ip.address}${ip.gateway ? ` gateway ${ip.gateway}` : ''}${on}`);
  }
  for (const fam of ['ip4', 'ip6'] as const) {
    const block = r[fam] as { ip: string; gateway?: string } | undefined;
    if (block) lines.push(`  address ${block.ip}${block.gateway ? ` gateway ${block.gateway}` : ''}`);
  }
  for (const route of (r.routes as { dst: string; gw?: string }[] | undefined) ?? []) {
    lines.push(`  route ${route.dst}${route.gw ? ` via ${route.gw}` : ''}`);
  }
  const dns = r.dns as { nameservers?: string[]; search?: string[]; domain?: string } | undefined;
  if (dns?.nameservers?.length) lines.push(`  dns ${dns.nameservers.join(', ')}${dns.search?.length ? ` search ${dns.search.join(' ')}` : ''}`);
  return `${lines.join('\n')}\n`;
}
