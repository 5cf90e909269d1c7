import { describe, expect, it } from 'vitest';
import { parseIp } from '../../addr/index.ts';
import { fastTeardownRestore, listedTeardownRestore, missingRules, readFilterTable, setupRestore } from './iptables-plan.ts';
import type { ForwardSpec } from './types.ts';

const spec = (extra: Partial<ForwardSpec> = {}): ForwardSpec => ({
  network: 'n1',
  containerId: 'c1',
  ifname: 'eth0',
  ips: [parseIp('10.78.0.5'), parseIp('fd00::5')],
  adminChain: 'CNI-ADMIN',
  ...extra,
});

const EMPTY = readFilterTable(':INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n');

// What Go's firewall leaves after bridge + firewall (same-bridge, refxbr0, 10.78.0.5), as
// `iptables -S` lists it: Debian 1.1.1's observed table (shared/docs/other-plugins.md section
// 1) with v1.9's comment on the shared isolation rules.
const GO_V19_TABLE = [
  '-P FORWARD ACCEPT',
  '-N CNI-ADMIN',
  '-N CNI-FORWARD',
  '-N CNI-ISOLATION-STAGE-1',
  '-N CNI-ISOLATION-STAGE-2',
  '-A FORWARD -m comment --comment "CNI firewall plugin rules (ingressPolicy: same-bridge|isolated)" -j CNI-ISOLATION-STAGE-1',
  '-A FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD',
  '-A CNI-FORWARD -m comment --comment "CNI firewall plugin admin overrides" -j CNI-ADMIN',
  '-A CNI-FORWARD -d 10.78.0.5/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  '-A CNI-FORWARD -s 10.78.0.5/32 -j ACCEPT',
  '-A CNI-ISOLATION-STAGE-1 -i refxbr0 ! -o refxbr0 -m comment --comment "CNI firewall plugin rules (ingressPolicy: same-bridge)" -j CNI-ISOLATION-STAGE-2',
  '-A CNI-ISOLATION-STAGE-1 -m comment --comment "CNI firewall plugin rules (ingressPolicy: same-bridge|isolated)" -j RETURN',
  '-A CNI-ISOLATION-STAGE-2 -o refxbr0 -m comment --comment "CNI firewall plugin rules (ingressPolicy: same-bridge|isolated)" -j DROP',
  '-A CNI-ISOLATION-STAGE-2 -m comment --comment "CNI firewall plugin rules (ingressPolicy: same-bridge|isolated)" -j RETURN',
  '',
].join('\n');

describe('setupRestore', () => {
  it('on an empty table creates the chains, both jumps and the address rules of the family, in Go\'s shapes', () => {
    expect(setupRestore(spec(), 4, EMPTY)).toBe(
      [
        '*filter',
        '-N CNI-FORWARD',
        '-N CNI-ADMIN',
        '-I FORWARD 1 -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD',
        '-I CNI-FORWARD 1 -m comment --comment "CNI firewall plugin admin overrides" -j CNI-ADMIN',
        '-A CNI-FORWARD -d 10.78.0.5/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
        '-A CNI-FORWARD -s 10.78.0.5/32 -j ACCEPT',
        'COMMIT',
        '',
      ].join('\n'),
    );
    expect(setupRestore(spec(), 6, EMPTY)).toContain('-A CNI-FORWARD -d fd00::5/128 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
  });

  it('writes exactly the rules Go v1.9 writes for same-bridge, so a second ADD of its pod adds nothing', () => {
    const iso = { policy: 'same-bridge', bridge: 'refxbr0' } as const;
    expect(setupRestore(spec({ ips: [parseIp('10.78.0.5')], isolation: iso }), 4, readFilterTable(GO_V19_TABLE))).toBeUndefined();
    const fresh = setupRestore(spec({ ips: [parseIp('10.78.0.5')], isolation: iso }), 4, EMPTY) as string;
    // replaying our transaction's inserts in order gives Go's listing order
    expect(fresh).toContain('-I FORWARD 1 -m comment --comment "CNI firewall plugin rules (ingressPolicy: same-bridge|isolated)" -j CNI-ISOLATION-STAGE-1');
    expect(fresh.indexOf('-j CNI-FORWARD')).toBeLessThan(fresh.indexOf('-j CNI-ISOLATION-STAGE-1\n'));
  });

  it('adds only the new pod\'s rules and the new bridge\'s isolation rules to a populated table', () => {
    const text = setupRestore(spec({ ips: [parseIp('10.78.0.9')], isolation: { policy: 'isolated', bridge: 'br-b' } }), 4, readFilterTable(GO_V19_TABLE)) as string;
    expect(text.split('\n').slice(1, -2)).toEqual([
      '-A CNI-FORWARD -d 10.78.0.9/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-A CNI-FORWARD -s 10.78.0.9/32 -j ACCEPT',
      '-I CNI-ISOLATION-STAGE-1 1 -i br-b ! -o br-b -m comment --comment "CNI firewall plugin rules (ingressPolicy: isolated)" -j CNI-ISOLATION-STAGE-2',
      '-I CNI-ISOLATION-STAGE-1 1 -i br-b -o br-b -m comment --comment "CNI firewall plugin rules (ingressPolicy: isolated)" -j DROP',
      '-I CNI-ISOLATION-STAGE-2 1 -o br-b -m comment --comment "CNI firewall plugin rules (ingressPolicy: same-bridge|isolated)" -j DROP',
    ]);
  });

  it('puts a missing CNI-FORWARD jump below an existing isolation jump, so isolation still comes first', () => {
    const table = readFilterTable(GO_V19_TABLE.replace('-A FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD\n', ''));
    expect(setupRestore(spec({ ips: [parseIp('10.78.0.5')] }), 4, table)).toContain('-I FORWARD 2 -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD');
  });

  it('jumps to a configured admin chain', () => {
    expect(setupRestore(spec({ adminChain: 'MY-ADMIN' }), 4, EMPTY)).toContain('-I CNI-FORWARD 1 -m comment --comment "CNI firewall plugin admin overrides" -j MY-ADMIN');
  });

  it('installs nothing in a family the pod has no address in, isolation included', () => {
    expect(setupRestore(spec({ ips: [parseIp('10.78.0.5')], isolation: { policy: 'same-bridge', bridge: 'b' } }), 6, EMPTY)).toBeUndefined();
  });
});

describe('teardown', () => {
  it('fastTeardownRestore deletes the two rules of each address', () => {
    expect(fastTeardownRestore([parseIp('10.78.0.5')])).toBe(
      '*filter\n-D CNI-FORWARD -d 10.78.0.5/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-D CNI-FORWARD -s 10.78.0.5/32 -j ACCEPT\nCOMMIT\n',
    );
    expect(fastTeardownRestore([])).toBeUndefined();
  });

  it('listedTeardownRestore deletes only what is listed (every copy), never the admin jump', () => {
    const listing = '-N CNI-FORWARD\n-A CNI-FORWARD -m comment --comment "CNI firewall plugin admin overrides" -j CNI-ADMIN\n-A CNI-FORWARD -s 10.78.0.5/32 -j ACCEPT\n-A CNI-FORWARD -s 10.78.0.5/32 -j ACCEPT\n-A CNI-FORWARD -s 10.78.0.6/32 -j ACCEPT\n';
    expect(listedTeardownRestore([parseIp('10.78.0.5')], listing)).toBe('*filter\n-D CNI-FORWARD -s 10.78.0.5/32 -j ACCEPT\n-D CNI-FORWARD -s 10.78.0.5/32 -j ACCEPT\nCOMMIT\n');
    expect(listedTeardownRestore([parseIp('10.78.0.7')], listing)).toBeUndefined();
  });
});

describe('missingRules', () => {
  const iso = { policy: 'same-bridge', bridge: 'refxbr0' } as const;
  it('finds nothing missing in Go\'s table for Go\'s pod', () => {
    expect(missingRules(spec({ ips: [parseIp('10.78.0.5')], isolation: iso }), 4, readFilterTable(GO_V19_TABLE))).toEqual([]);
  });

  it('accepts Go 1.1.1\'s comment form of the shared isolation rules', () => {
    const legacy = GO_V19_TABLE.replaceAll('(ingressPolicy: same-bridge|isolated)', '(ingressPolicy: same-bridge)');
    expect(missingRules(spec({ ips: [parseIp('10.78.0.5')], isolation: iso }), 4, readFilterTable(legacy))).toEqual([]);
  });

  it('names each missing chain and rule', () => {
    expect(missingRules(spec({ ips: [parseIp('10.78.0.6')], isolation: { policy: 'isolated', bridge: 'refxbr0' } }), 4, readFilterTable(GO_V19_TABLE))).toEqual([
      '-A CNI-FORWARD -d 10.78.0.6/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-A CNI-FORWARD -s 10.78.0.6/32 -j ACCEPT',
      '-A CNI-ISOLATION-STAGE-1 -i refxbr0 ! -o refxbr0 -m comment --comment "CNI firewall plugin rules (ingressPolicy: isolated)" -j CNI-ISOLATION-STAGE-2',
      '-A CNI-ISOLATION-STAGE-1 -i refxbr0 -o refxbr0 -m comment --comment "CNI firewall plugin rules (ingressPolicy: isolated)" -j DROP',
    ]);
    expect(missingRules(spec(), 4, EMPTY)[0]).toBe('-N CNI-FORWARD');
  });
});
