import { describe, expect, it } from 'vitest';
import { dnatComment, entryRules, iptablesFamilyPlan, saveLines } from './iptables-rules.ts';
import { checkRestore, gcRestore, ownerTeardownRestore, parseSaveTable, repairRestore, setupRestore, teardownRestore } from './iptables-restore.ts';
import { familyViews } from './spec.ts';
import type { FamilyView } from './spec.ts';
import type { PortMapping, PortmapSpec } from './types.ts';
import { parseCidr } from '../../addr/index.ts';

// The reference pod of reference-benchmarks.md 3.1 (Debian's Go portmap 1.1.1 after one ADD).
const POD1 = '87a38598280c72411c3f48242b52b814149b5c2e17d779bdc28063336d05ce06';
const DN = 'CNI-DN-66d74dc85eb823645cc98';
const REFERENCE_DUMP = String.raw`*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:CNI-66d74dc85eb823645cc98db0 - [0:0]
:CNI-DN-66d74dc85eb823645cc98 - [0:0]
:CNI-HOSTPORT-DNAT - [0:0]
:CNI-HOSTPORT-MASQ - [0:0]
:CNI-HOSTPORT-SETMARK - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
-A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
-A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ
-A POSTROUTING -s 10.203.0.2/32 -m comment --comment "name: \"cnianchor-podnet\" id: \"87a38598280c72411c3f48242b52b814149b5c2e17d779bdc28063336d05ce06\"" -j CNI-66d74dc85eb823645cc98db0
-A CNI-66d74dc85eb823645cc98db0 -d 10.203.0.0/16 -m comment --comment "name: \"cnianchor-podnet\" id: \"87a38598280c72411c3f48242b52b814149b5c2e17d779bdc28063336d05ce06\"" -j ACCEPT
-A CNI-66d74dc85eb823645cc98db0 ! -d 224.0.0.0/4 -m comment --comment "name: \"cnianchor-podnet\" id: \"87a38598280c72411c3f48242b52b814149b5c2e17d779bdc28063336d05ce06\"" -j MASQUERADE
-A CNI-DN-66d74dc85eb823645cc98 -s 10.203.0.0/16 -p tcp -m tcp --dport 8081 -j CNI-HOSTPORT-SETMARK
-A CNI-DN-66d74dc85eb823645cc98 -s 127.0.0.1/32 -p tcp -m tcp --dport 8081 -j CNI-HOSTPORT-SETMARK
-A CNI-DN-66d74dc85eb823645cc98 -p tcp -m tcp --dport 8081 -j DNAT --to-destination 10.203.0.2:80
-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \"cnianchor-podnet\" id: \"87a38598280c72411c3f48242b52b814149b5c2e17d779bdc28063336d05ce06\"" -m multiport --dports 8081 -j CNI-DN-66d74dc85eb823645cc98
-A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE
-A CNI-HOSTPORT-SETMARK -m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark 0x2000/0x2000
COMMIT`;

const COMMENT = String.raw`"dnat name: \"cnianchor-podnet\" id: \"87a38598280c72411c3f48242b52b814149b5c2e17d779bdc28063336d05ce06\""`;

function spec(over: Partial<PortmapSpec> = {}): PortmapSpec {
  return {
    network: 'cnianchor-podnet',
    containerId: POD1,
    ifname: 'eth0',
    mappings: [{ hostPort: 8081, containerPort: 80, protocol: 'tcp' }],
    containerIPv4: parseCidr('10.203.0.2/16'),
    snat: true,
    masqAll: false,
    markMasqBit: 13,
    ...over,
  };
}

function view(s: PortmapSpec, family: 4 | 6): FamilyView {
  const v = familyViews(s).find((x) => x.family === family);
  if (v === undefined) throw new Error(`no IPv${family} view`);
  return v;
}

function plan4(s: PortmapSpec = spec()) {
  return iptablesFamilyPlan(s, view(s, 4));
}

describe('iptables portmap plan: golden against the Go plugin', () => {
  it('saveLines reproduce every portmap line of the reference iptables-save dump, and nothing else in nat', () => {
    const dumpLines = REFERENCE_DUMP.split('\n').filter((l) => l.startsWith('-A ') && !/CNI-66d74dc85eb823645cc98db0$|-A CNI-66d74/.test(l));
    const ours = saveLines(plan4()).filter((l) => !/^-A (INPUT|CNI-HOSTPORT-LOCALNET) |^-A OUTPUT -j CNI-HOSTPORT-LOCALNET$/.test(l));
    expect(ours.slice().sort()).toEqual(dumpLines.slice().sort());
    expect(ours).toHaveLength(9);
  });

  it('setupRestore is one transaction: guard probe in filter, then the container chain and its prepended entry', () => {
    expect(setupRestore(plan4()).split('\n')).toEqual([
      '*filter',
      '-C CNI-HOSTPORT-LOCALNET ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "CNI portmap: block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
      '-C INPUT -j CNI-HOSTPORT-LOCALNET',
      '-C OUTPUT -j CNI-HOSTPORT-LOCALNET',
      'COMMIT',
      '*nat',
      `-N ${DN}`,
      `-A ${DN} -s 10.203.0.0/16 -p tcp -m tcp --dport 8081 -j CNI-HOSTPORT-SETMARK`,
      `-A ${DN} -s 127.0.0.1/32 -p tcp -m tcp --dport 8081 -j CNI-HOSTPORT-SETMARK`,
      `-A ${DN} -p tcp -m tcp --dport 8081 -j DNAT --to-destination 10.203.0.2:80`,
      `-I CNI-HOSTPORT-DNAT 1 -p tcp -m comment --comment ${COMMENT} -m multiport --dports 8081 -j ${DN}`,
      'COMMIT',
      '',
    ]);
  });

  it('teardownRestore deletes the exact entry rules, then the chain and the legacy SNAT chain', () => {
    expect(teardownRestore(plan4()).split('\n')).toEqual([
      '*nat',
      `-D CNI-HOSTPORT-DNAT -p tcp -m comment --comment ${COMMENT} -m multiport --dports 8081 -j ${DN}`,
      `:${DN} - [0:0]`,
      `-X ${DN}`,
      ':CNI-SN-66d74dc85eb823645cc98 - [0:0]',
      '-X CNI-SN-66d74dc85eb823645cc98',
      'COMMIT',
      '',
    ]);
  });
});

describe('iptables portmap plan: rule shapes', () => {
  it('entryRules split more than 15 ports into multiport rules of at most 15', () => {
    const mappings: PortMapping[] = Array.from({ length: 16 }, (_, i) => ({ hostPort: 9000 + i, containerPort: 80, protocol: 'tcp' }));
    const rules = entryRules(spec(), view(spec({ mappings }), 4));
    expect(rules).toHaveLength(2);
    expect(rules[0]).toContain(`--dports ${Array.from({ length: 15 }, (_, i) => 9000 + i).join(',')} -j`);
    expect(rules[1]).toContain('--dports 9015 -j');
  });

  it('entryRules sort protocols and keep one rule per protocol; the chain keeps spec order', () => {
    const s = spec({
      mappings: [
        { hostPort: 53, containerPort: 5353, protocol: 'udp' },
        { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
        { hostPort: 53, containerPort: 5353, protocol: 'tcp' },
      ],
    });
    const p = plan4(s);
    expect(p.entryRules.map((r) => /-p (\w+) .* --dports (\S+)/.exec(r)?.slice(1).join(' '))).toEqual(['tcp 8080,53', 'udp 53']);
    expect(p.chainRules.filter((r) => r.includes('DNAT'))).toEqual([
      '-p udp -m udp --dport 53 -j DNAT --to-destination 10.203.0.2:5353',
      '-p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.203.0.2:80',
      '-p tcp -m tcp --dport 53 -j DNAT --to-destination 10.203.0.2:5353',
    ]);
  });

  it('IPv6 uses [ip]:port, the v6 subnet, no localhost rule and no localnet guard', () => {
    const { containerIPv4: _v4, ...rest } = spec();
    const s: PortmapSpec = { ...rest, containerIPv6: parseCidr('fd00:0:0::2/64') };
    const p = iptablesFamilyPlan(s, view(s, 6));
    expect(p.chainRules).toEqual([
      '-s fd00::/64 -p tcp -m tcp --dport 8081 -j CNI-HOSTPORT-SETMARK',
      '-p tcp -m tcp --dport 8081 -j DNAT --to-destination [fd00::2]:80',
    ]);
    expect(p.nodeRules.some((r) => r.table === 'filter')).toBe(false);
    expect(setupRestore(p)).not.toContain('*filter');
  });

  it('hostIP adds -d to every rule of its family and skips the mapping in the other family', () => {
    const s = spec({
      containerIPv6: parseCidr('fd00::2/64'),
      mappings: [
        { hostPort: 8081, containerPort: 80, protocol: 'tcp', hostIP: '192.0.2.1' },
        { hostPort: 8082, containerPort: 80, protocol: 'tcp', hostIP: '0.0.0.0' },
        { hostPort: 8083, containerPort: 80, protocol: 'tcp', hostIP: '::' },
        { hostPort: 8084, containerPort: 80, protocol: 'tcp', hostIP: '' },
      ],
    });
    const v4 = plan4(s);
    expect(v4.chainRules).toContain('-s 10.203.0.0/16 -d 192.0.2.1/32 -p tcp -m tcp --dport 8081 -j CNI-HOSTPORT-SETMARK');
    expect(v4.chainRules).toContain('-d 192.0.2.1/32 -p tcp -m tcp --dport 8081 -j DNAT --to-destination 10.203.0.2:80');
    expect(v4.chainRules).toContain('-p tcp -m tcp --dport 8082 -j DNAT --to-destination 10.203.0.2:80');
    expect(v4.chainRules.join('\n')).not.toContain('8083');
    expect(v4.entryRules[0]).toContain('--dports 8081,8082,8084 ');
    const v6 = iptablesFamilyPlan(s, view(s, 6));
    expect(v6.entryRules[0]).toContain('--dports 8083,8084 ');
  });

  it('masqAll marks every source (no -s, which iptables-save would omit) and drops the localhost rule', () => {
    expect(plan4(spec({ masqAll: true })).chainRules).toEqual([
      '-p tcp -m tcp --dport 8081 -j CNI-HOSTPORT-SETMARK',
      '-p tcp -m tcp --dport 8081 -j DNAT --to-destination 10.203.0.2:80',
    ]);
  });

  it('externalSetMarkChain replaces the SETMARK jump and needs no SETMARK/MASQ chains', () => {
    const p = plan4(spec({ externalSetMarkChain: 'KUBE-MARK-MASQ' }));
    expect(p.chainRules[0]).toBe('-s 10.203.0.0/16 -p tcp -m tcp --dport 8081 -j KUBE-MARK-MASQ');
    expect(p.nodeChains.map((c) => c.chain)).toEqual(['CNI-HOSTPORT-LOCALNET', 'CNI-HOSTPORT-DNAT']);
    expect(p.nodeRules.map((r) => r.chain)).not.toContain('POSTROUTING');
  });

  it('snat false installs only DNAT rules and no guard', () => {
    const p = plan4(spec({ snat: false }));
    expect(p.chainRules).toEqual(['-p tcp -m tcp --dport 8081 -j DNAT --to-destination 10.203.0.2:80']);
    expect(p.nodeRules.map((r) => r.chain)).toEqual(['PREROUTING', 'OUTPUT']);
  });

  it('conditions follow the ports on the entry rules only, quoted when needed', () => {
    const p = plan4(spec({ conditionsV4: ['!', '-s', '10.0.0.0/8', '-m', 'comment', '--comment', 'a b'], conditionsV6: ['-s', 'fd00::/8'] }));
    expect(p.entryRules).toEqual([`-p tcp -m comment --comment ${COMMENT} -m multiport --dports 8081 ! -s 10.0.0.0/8 -m comment --comment "a b" -j ${DN}`]);
    expect(p.chainRules.join(' ')).not.toContain('10.0.0.0/8');
  });

  it('markMasqBit sets the mark value as Go formats it', () => {
    expect(plan4(spec({ markMasqBit: 0 })).nodeRules.find((r) => r.chain === 'CNI-HOSTPORT-MASQ')?.spec).toBe('-m mark --mark 0x1/0x1 -j MASQUERADE');
    expect(plan4(spec({ markMasqBit: 31 })).nodeRules.find((r) => r.chain === 'CNI-HOSTPORT-SETMARK')?.spec).toContain(
      '--set-xmark 0x80000000/0x80000000',
    );
  });

  it('dnatComment is cut to 255 characters like Go', () => {
    const c = dnatComment('n'.repeat(300), 'id');
    expect(c).toHaveLength(256);
    expect(c.endsWith('...')).toBe(true);
    expect(c.slice(0, 253)).toBe(`dnat name: "${'n'.repeat(241)}`);
  });
});

describe('iptables portmap plan: repair, check, owner teardown, GC', () => {
  it('repairRestore on an empty host creates every node-wide piece before the container rules', () => {
    const empty = parseSaveTable('*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n');
    const text = repairRestore(plan4(), empty, parseSaveTable(''));
    expect(text.split('\n')).toEqual([
      '*filter',
      '-N CNI-HOSTPORT-LOCALNET',
      '-A CNI-HOSTPORT-LOCALNET ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "CNI portmap: block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
      '-I INPUT 1 -j CNI-HOSTPORT-LOCALNET',
      '-I OUTPUT 1 -j CNI-HOSTPORT-LOCALNET',
      'COMMIT',
      '*nat',
      '-N CNI-HOSTPORT-SETMARK',
      '-N CNI-HOSTPORT-MASQ',
      '-N CNI-HOSTPORT-DNAT',
      '-A CNI-HOSTPORT-SETMARK -m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark 0x2000/0x2000',
      '-A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE',
      '-I POSTROUTING 1 -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ',
      '-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT',
      '-A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT',
      `:${DN} - [0:0]`,
      `-A ${DN} -s 10.203.0.0/16 -p tcp -m tcp --dport 8081 -j CNI-HOSTPORT-SETMARK`,
      `-A ${DN} -s 127.0.0.1/32 -p tcp -m tcp --dport 8081 -j CNI-HOSTPORT-SETMARK`,
      `-A ${DN} -p tcp -m tcp --dport 8081 -j DNAT --to-destination 10.203.0.2:80`,
      `-I CNI-HOSTPORT-DNAT 1 -p tcp -m comment --comment ${COMMENT} -m multiport --dports 8081 -j ${DN}`,
      'COMMIT',
      '',
    ]);
  });

  it('repairRestore on the reference host adds no node-wide rule and replaces the old entry', () => {
    const text = repairRestore(plan4(), parseSaveTable(REFERENCE_DUMP), parseSaveTable(''));
    const nat = text.slice(text.indexOf('*nat'));
    expect(nat.split('\n').slice(0, 3)).toEqual([
      '*nat',
      `-D CNI-HOSTPORT-DNAT -p tcp -m comment --comment ${COMMENT} -m multiport --dports 8081 -j ${DN}`,
      `:${DN} - [0:0]`,
    ]);
    expect(nat).not.toMatch(/^-N |PREROUTING|POSTROUTING|SETMARK -m/m);
  });

  it('checkRestore labels each -C line with the rule it stands for', () => {
    const { text, labels } = checkRestore(plan4());
    const lines = text.split('\n');
    for (const [n, label] of labels) {
      expect(lines[n - 1]?.startsWith('-C ')).toBe(true);
      expect(lines[n - 1]).toContain(label.slice(label.indexOf(': ') + 2));
    }
    expect([...labels.values()]).toContain(`nat ${DN}: -p tcp -m tcp --dport 8081 -j DNAT --to-destination 10.203.0.2:80`);
    expect(labels.size).toBe(3 + 5 + 3 + 1);
  });

  it('checkRestore checks every nat rule before the filter table\'s localnet guard (a failure there proves the mappings present)', () => {
    const lines = checkRestore(plan4()).text.split('\n');
    const filterAt = lines.indexOf('*filter');
    expect(filterAt).toBeGreaterThan(lines.indexOf('*nat'));
    expect(lines.slice(filterAt).filter((l) => l.startsWith('-C ')).every((l) => l.includes('CNI-HOSTPORT-LOCALNET'))).toBe(true);
    expect(lines.slice(0, filterAt).some((l) => l.includes('CNI-HOSTPORT-LOCALNET'))).toBe(false);
  });

  it('ownerTeardownRestore deletes listed entries from both entry chains before removing the chains', () => {
    const text = ownerTeardownRestore({ dnatChain: DN, legacySnatChain: 'CNI-SN-x' }, ['-p tcp -j ' + DN], ['-j CNI-SN-x']);
    expect(text.split('\n').slice(0, 4)).toEqual(['*nat', `-D CNI-HOSTPORT-DNAT -p tcp -j ${DN}`, '-D CNI-HOSTPORT-SNAT -j CNI-SN-x', `:${DN} - [0:0]`]);
  });

  it('gcRestore deletes stale entries then flushes and deletes their chains', () => {
    expect(gcRestore(['-p tcp -j CNI-DN-a'], ['CNI-DN-a']).split('\n')).toEqual([
      '*nat',
      '-D CNI-HOSTPORT-DNAT -p tcp -j CNI-DN-a',
      ':CNI-DN-a - [0:0]',
      '-X CNI-DN-a',
      'COMMIT',
      '',
    ]);
  });
});
