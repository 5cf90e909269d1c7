import { describe, expect, it } from 'vitest';
import { parseCidr } from '../../lib/addr/index.ts';
import { CniError, type Result } from '../../lib/cni/index.ts';
import type { Route, Rule } from '../../lib/link/index.ts';
import { firstFreeTable, missingFor, planSbr, routeBelongsTo, rulesToRemove, selectAddresses, tablesInUse } from './plan.ts';

const IFINDEX = 2;

function route(dst: string, extra: Partial<Route> = {}): Route {
  return {
    family: dst.includes(':') ? 6 : 4,
    dst,
    gateway: undefined,
    oif: IFINDEX,
    priority: undefined,
    table: 254,
    scope: 0,
    protocol: 3,
    type: 1,
    prefsrc: undefined,
    mtu: undefined,
    advmss: undefined,
    flags: 0,
    ...extra,
  };
}

function rule(src: string | undefined, table: number, priority = 32765): Rule {
  return { family: src?.includes(':') ? 6 : 4, src, dst: undefined, table, priority, action: 1 };
}

/** What a pod holds right after ptp (IPv4 and IPv6) gave eth0 its addresses. */
const PTP_ROUTES: Route[] = [
  route('0.0.0.0/0', { gateway: '10.93.0.1' }),
  route('10.93.0.0/24', { gateway: '10.93.0.1', prefsrc: '10.93.0.2' }),
  route('10.93.0.1/32', { scope: 253, prefsrc: '10.93.0.2' }),
  route('fd93::1/128', { prefsrc: 'fd93::2', priority: 1024 }),
  route('fe80::/64', { protocol: 2, priority: 256 }),
  route('::/0', { gateway: 'fd93::1', priority: 1024 }),
];
const BASE_RULES = [rule(undefined, 255, 0), rule(undefined, 254, 32766), rule(undefined, 253, 32767)];

describe('selectAddresses', () => {
  const prev: Result = {
    cniVersion: '1.1.0',
    interfaces: [{ name: 'veth1' }, { name: 'eth0', sandbox: '/run/netns/p' }, { name: 'net1', sandbox: '/run/netns/p' }],
    ips: [
      { address: '10.0.0.5/24', gateway: '10.0.0.1', interface: 1 },
      { address: '10.1.0.5/24', interface: 2 },
      { address: '10.2.0.5/24' },
    ],
  };

  it('keeps the interface\'s addresses and those without an interface index, as Go does', () => {
    expect(selectAddresses(prev, 'eth0')).toEqual([
      { address: '10.0.0.5/24', gateway: '10.0.0.1' },
      { address: '10.2.0.5/24', gateway: undefined },
    ]);
  });

  it('is code 7 when the interface has none', () => {
    expect(() => selectAddresses({ cniVersion: '1.1.0', ips: [] }, 'eth0')).toThrow(CniError);
    expect(() => selectAddresses({ ...prev, ips: [{ address: '10.1.0.5/24', interface: 2 }] }, 'eth0')).toThrow(expect.objectContaining({ code: 7, msg: 'No IP addresses supplied on interface: eth0' }));
  });
});

describe('tables', () => {
  it('counts a table taken when a rule looks it up or a route lives in it, in any table', () => {
    const used = tablesInUse([rule('10.0.0.5/32', 100)], [route('0.0.0.0/0', { table: 101 }), route('10.0.0.0/8', { table: 254 })]);
    expect([...used].sort()).toEqual([100, 101, 254]);
    expect(firstFreeTable(used, 100)).toBe(102);
    expect(firstFreeTable(used, 50)).toBe(50);
  });
});

describe('routeBelongsTo', () => {
  const a = parseCidr('10.93.0.2/24');
  it('takes routes whose source or gateway is in the subnet, and routes with neither', () => {
    expect(routeBelongsTo(route('0.0.0.0/0', { gateway: '10.93.0.1' }), a)).toBe(true);
    expect(routeBelongsTo(route('10.93.0.1/32', { prefsrc: '10.93.0.2' }), a)).toBe(true);
    expect(routeBelongsTo(route('fe80::/64'), a)).toBe(true);
    expect(routeBelongsTo(route('0.0.0.0/0', { gateway: '10.94.0.1' }), a)).toBe(false);
    expect(routeBelongsTo(route('::/0', { gateway: 'fd93::1' }), a)).toBe(false);
  });
});

describe('planSbr', () => {
  const pod = { linkIndex: IFINDEX, rules: BASE_RULES, routes: PTP_ROUTES, linkRoutes: PTP_ROUTES };
  const addresses = [
    { address: '10.93.0.2/24', gateway: '10.93.0.1' },
    { address: 'fd93::2/64', gateway: 'fd93::1' },
  ];

  it('gives each address the next free table from 100, a default route via its gateway and its routes; then empties the main table of the interface', () => {
    const plan = planSbr(addresses, { ...pod, rules: [...BASE_RULES, rule('10.9.9.9/32', 100)] }, undefined);
    expect(plan.tables.map((t) => [t.table, t.source])).toEqual([
      [101, '10.93.0.2/32'],
      [102, 'fd93::2/128'],
    ]);
    const [v4, v6] = plan.tables;
    expect(v4?.defaultRoute).toEqual({ dst: '0.0.0.0/0', gateway: '10.93.0.1', oif: IFINDEX, table: 101 });
    expect(v4?.copies.map((c) => `${c.dst} ${c.table}`)).toEqual(['0.0.0.0/0 101', '10.93.0.0/24 101', '10.93.0.1/32 101', 'fe80::/64 101']);
    expect(v6?.defaultRoute).toEqual({ dst: '::/0', gateway: 'fd93::1', oif: IFINDEX, table: 102 });
    expect(v6?.copies.map((c) => c.dst)).toEqual(['fd93::1/128', 'fe80::/64', '::/0']);
    expect(v4?.copies[2]).toEqual({ dst: '10.93.0.1/32', table: 101, scope: 253, protocol: 3, type: 1, oif: IFINDEX, src: '10.93.0.2' });
    expect(plan.removeFromMain.map((r) => `${r.dst} ${r.table}`)).toEqual(PTP_ROUTES.map((r) => `${r.dst} 254`));
  });

  it('skips a table that holds routes without any rule', () => {
    const plan = planSbr(addresses.slice(0, 1), { ...pod, routes: [...PTP_ROUTES, route('10.0.0.0/8', { table: 100 })] }, undefined);
    expect(plan.tables.map((t) => t.table)).toEqual([101]);
  });

  it('adds no default route for an address without a gateway (the main table\'s default still moves)', () => {
    const plan = planSbr([{ address: '10.93.0.2/24', gateway: undefined }], pod, undefined);
    expect(plan.tables[0]?.defaultRoute).toBeUndefined();
    expect(plan.tables[0]?.copies.map((c) => c.dst)).toContain('0.0.0.0/0');
  });

  it('with a configured table: one rule per address into it, no route touched', () => {
    expect(planSbr(addresses, pod, 300)).toEqual({
      tables: [
        { table: 300, source: '10.93.0.2/32', defaultRoute: undefined, copies: [] },
        { table: 300, source: 'fd93::2/128', defaultRoute: undefined, copies: [] },
      ],
      removeFromMain: [],
    });
  });

  it('keeps "onlink" and drops the kernel\'s other flags in copies', () => {
    const plan = planSbr(addresses.slice(0, 1), { ...pod, linkRoutes: [route('0.0.0.0/0', { gateway: '10.93.0.1', flags: 0x4 | 0x10 })] }, undefined);
    expect(plan.tables[0]?.copies[0]?.onlink).toBe(true);
  });
});

describe('rulesToRemove', () => {
  const rules = [...BASE_RULES, rule('10.93.0.2/32', 100), rule('fd93::2/128', 101), rule('10.93.0.3/32', 102), rule('10.93.0.2/32', 300)];
  it('matches rules by source address, any table, or the configured one', () => {
    const mine = new Set(['10.93.0.2', 'fd93::2']);
    expect(rulesToRemove(rules, mine, undefined).map((r) => r.table)).toEqual([100, 101, 300]);
    expect(rulesToRemove(rules, mine, 300).map((r) => r.table)).toEqual([300]);
    expect(rulesToRemove(rules, new Set(), undefined)).toEqual([]);
  });
});

describe('missingFor', () => {
  const a = { address: '10.93.0.2/24', gateway: '10.93.0.1' };
  const inTable = (t: number) => route('0.0.0.0/0', { gateway: '10.93.0.1', table: t });
  it('wants the rule and, in a table sbr chose, the default route via the gateway through the interface', () => {
    const pod = { linkIndex: IFINDEX, rules: [...BASE_RULES, rule('10.93.0.2/32', 100)], routes: [inTable(100)], linkRoutes: [] };
    expect(missingFor(a, pod, undefined)).toBeUndefined();
    expect(missingFor(a, { ...pod, routes: [] }, undefined)).toBe('table 100 (rule "from 10.93.0.2/32") has no default route via 10.93.0.1');
    expect(missingFor(a, { ...pod, routes: [route('0.0.0.0/0', { gateway: '10.93.0.1', table: 100, oif: 9 })] }, undefined)).toMatch(/no default route/);
    expect(missingFor(a, { ...pod, rules: BASE_RULES }, undefined)).toBe('no rule "from 10.93.0.2/32"');
    expect(missingFor(a, pod, 300)).toBe('no rule "from 10.93.0.2/32 lookup 300"');
    expect(missingFor(a, { ...pod, rules: [rule('10.93.0.2/32', 300)], routes: [] }, 300)).toBeUndefined();
  });
});
