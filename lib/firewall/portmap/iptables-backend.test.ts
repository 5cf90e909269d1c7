import { describe, expect, it } from 'vitest';
import { recordingRunner } from '../../testing/recording-runner.ts';
import { CommandError } from '../runner.ts';
import { PortmapCheckError, PortmapInputError } from './errors.ts';
import { iptablesPortmap } from './iptables-backend.ts';
import { iptablesFamilyPlan } from './iptables-rules.ts';
import { checkRestore, setupRestore, teardownRestore } from './iptables-restore.ts';
import { familyViews } from './spec.ts';
import type { PortmapSpec } from './types.ts';
import { parseCidr } from '../../addr/index.ts';

const DN = 'CNI-DN-a4f1c0cea3480fe949fc9'; // sha512('net' + 'cid1'), checked below

function spec(over: Partial<PortmapSpec> = {}): PortmapSpec {
  return {
    network: 'net',
    containerId: 'cid1',
    ifname: 'eth0',
    mappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
    containerIPv4: parseCidr('10.1.0.2/16'),
    snat: true,
    masqAll: false,
    markMasqBit: 13,
    ...over,
  };
}

const dual = (): PortmapSpec => spec({ containerIPv6: parseCidr('fd00::2/64') });
const plan4 = (s = spec()) => iptablesFamilyPlan(s, familyViews(s)[0]!);
const tools = (calls: readonly { argv: readonly string[] }[]): string[] => calls.map((c) => c.argv[0] as string);
const ABSENT = { exitCode: 1, stderr: "iptables v1.8.9 (nf_tables): chain `X' in table `nat' is incompatible, use 'nft' tool.\n" };

describe('iptablesPortmap setup', () => {
  it('runs one iptables-restore on the common path and never touches ip6tables for an IPv4-only pod', async () => {
    const r = recordingRunner();
    await iptablesPortmap(r).setup(spec());
    expect(r.calls).toEqual([{ argv: ['iptables-restore', '--noflush', '--wait'], input: setupRestore(plan4()) }]);
    expect(plan4().dnatChain).toBe(DN);
  });

  it('dual stack: one transaction per family, IPv6 with [ip]:port', async () => {
    const r = recordingRunner();
    await iptablesPortmap(r).setup(dual());
    expect(tools(r.calls).sort()).toEqual(['ip6tables-restore', 'iptables-restore']);
    expect(r.calls.find((c) => c.argv[0] === 'ip6tables-restore')?.input).toContain('--to-destination [fd00::2]:80');
  });

  it('a family whose mappings are all for the other family is left alone', async () => {
    const r = recordingRunner();
    await iptablesPortmap(r).setup({ ...dual(), mappings: [{ hostPort: 1, containerPort: 1, protocol: 'udp', hostIP: '::1' }] });
    expect(tools(r.calls)).toEqual(['ip6tables-restore']);
  });

  it('when the fast transaction fails, reads nat (and filter for the guard) once and repairs in one transaction', async () => {
    let restores = 0;
    const r = recordingRunner((argv) => {
      if (argv[0] === 'iptables-restore') return ++restores === 1 ? { exitCode: 2, stderr: "Chain 'CNI-HOSTPORT-DNAT' does not exist" } : undefined;
      if (argv[0] === 'iptables-save') return { stdout: `*${argv[2]}\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n` };
      return undefined;
    });
    await iptablesPortmap(r).setup(spec());
    expect(r.calls.map((c) => c.argv.join(' '))).toEqual([
      'iptables-restore --noflush --wait',
      'iptables-save -t nat',
      'iptables-save -t filter',
      'iptables-restore --noflush --wait',
    ]);
    const repair = r.calls[3]?.input ?? '';
    expect(repair).toContain('-N CNI-HOSTPORT-DNAT\n');
    expect(repair).toContain('-N CNI-HOSTPORT-LOCALNET\n');
    expect(repair).toContain(`:${DN} - [0:0]\n`);
  });

  it('gives up with CommandError after three repairs (each re-reading the host) also fail', async () => {
    const r = recordingRunner((argv) => (argv[0] === 'iptables-restore' ? { exitCode: 1, stderr: 'Bad rule' } : undefined));
    await expect(iptablesPortmap(r).setup(spec())).rejects.toBeInstanceOf(CommandError);
    expect(tools(r.calls).filter((t) => t === 'iptables-restore')).toHaveLength(4);
  });

  it('rejects a spec that could inject a line, before running anything', async () => {
    const r = recordingRunner();
    await expect(iptablesPortmap(r).setup(spec({ containerId: 'x\n-F' }))).rejects.toBeInstanceOf(PortmapInputError);
    await expect(iptablesPortmap(r).setup(spec({ mappings: [{ hostPort: 70000, containerPort: 1, protocol: 'tcp' }] }))).rejects.toBeInstanceOf(PortmapInputError);
    await expect(iptablesPortmap(r).setup(spec({ containerIPv4: parseCidr('fd00::1/64') }))).rejects.toBeInstanceOf(PortmapInputError);
    expect(r.calls).toEqual([]);
  });
});

describe('iptablesPortmap teardown', () => {
  it('with the spec, deletes exactly what setup installed in one transaction', async () => {
    const r = recordingRunner();
    await iptablesPortmap(r).teardown(spec());
    expect(r.calls).toEqual([{ argv: ['iptables-restore', '--noflush', '--wait'], input: teardownRestore(plan4()) }]);
  });

  it('falls back to listing CNI-HOSTPORT-DNAT only, and deletes the listed rules that jump to the chain', async () => {
    const listed = [
      '-N CNI-HOSTPORT-DNAT',
      `-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"net\\" id: \\"cid1\\"" -m multiport --dports 9999 -j ${DN}`,
      '-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"net\\" id: \\"cid2\\"" -m multiport --dports 8081 -j CNI-DN-other',
    ].join('\n');
    let restores = 0;
    const r = recordingRunner((argv) => {
      if (argv[0] === 'iptables-restore') return ++restores === 1 ? { exitCode: 1, stderr: 'Bad rule (does a matching rule exist in that chain?)' } : undefined;
      if (argv.includes('-S')) return { stdout: `${listed}\n` };
      return undefined;
    });
    await iptablesPortmap(r).teardown(spec());
    expect(r.calls[1]?.argv).toEqual(['iptables', '--wait', '-t', 'nat', '-S', 'CNI-HOSTPORT-DNAT']);
    expect(r.calls[2]?.input?.split('\n').slice(0, 3)).toEqual([
      '*nat',
      `-D CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"net\\" id: \\"cid1\\"" -m multiport --dports 9999 -j ${DN}`,
      `:${DN} - [0:0]`,
    ]);
    expect(r.calls).toHaveLength(3);
  });

  it('by owner only, when nothing of ours exists, reads but never writes (no empty ip6tables nat table)', async () => {
    const r = recordingRunner((argv) => (argv.includes('-S') ? ABSENT : undefined));
    await iptablesPortmap(r).teardown({ network: 'net', containerId: 'cid1', ifname: 'eth0' });
    expect(r.calls.every((c) => c.argv.includes('-S'))).toBe(true);
    expect(tools(r.calls)).toContain('ip6tables');
  });

  it('by owner only, where CNI-HOSTPORT-DNAT exists without our entries, still removes our chain (one write)', async () => {
    const r = recordingRunner((argv) => {
      if (argv.includes('-S')) return argv[0] === 'iptables' ? { stdout: '-N CNI-HOSTPORT-DNAT\n' } : ABSENT;
      return undefined;
    });
    await iptablesPortmap(r).teardown({ network: 'net', containerId: 'cid1', ifname: 'eth0' });
    const writes = r.calls.filter((c) => c.argv[0]?.endsWith('-restore'));
    expect(writes.map((c) => c.argv[0])).toEqual(['iptables-restore']);
    expect(writes[0]?.input).toContain(`-X ${DN}\n`);
    expect(r.calls).toHaveLength(3);
  });

  it('a tool that cannot run is an error, not "already gone"', async () => {
    const r = recordingRunner(() => ({ exitCode: 127, stderr: 'spawn iptables ENOENT' }));
    const err = await iptablesPortmap(r)
      .teardown({ network: 'net', containerId: 'cid1', ifname: 'eth0' })
      .catch((e: unknown) => e);
    // both families failed: one AggregateError holding each family's CommandError
    expect(err).toBeInstanceOf(AggregateError);
    expect((err as AggregateError).errors.map((e: unknown) => e instanceof CommandError)).toEqual([true, true]);
    const r4 = recordingRunner(() => ({ exitCode: 127, stderr: 'spawn iptables-restore ENOENT' }));
    await expect(iptablesPortmap(r4).setup(spec())).rejects.toBeInstanceOf(CommandError);
  });
});

describe('iptablesPortmap check', () => {
  it('runs one -C transaction per family and passes when it succeeds', async () => {
    const r = recordingRunner();
    await iptablesPortmap(r).check(dual());
    expect(r.calls.map((c) => c.argv[0]).sort()).toEqual(['ip6tables-restore', 'iptables-restore']);
    expect(r.calls.find((c) => c.argv[0] === 'iptables-restore')?.input).toBe(checkRestore(plan4()).text);
  });

  it('names the missing rule from the failing line number', async () => {
    const { labels } = checkRestore(plan4());
    const [line, label] = [...labels].find(([, l]) => l.includes('DNAT --to-destination'))!;
    const r = recordingRunner(() => ({ exitCode: 1, stderr: `iptables-restore: line ${line} failed: Bad rule (does a matching rule exist in that chain?).\n` }));
    const err = await iptablesPortmap(r).check(spec()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortmapCheckError);
    expect((err as PortmapCheckError).missing).toEqual([`iptables ${label}`]);
  });

  it('checks only the families the pod has', async () => {
    const { containerIPv4: _v4, ...rest } = dual();
    const r = recordingRunner();
    await iptablesPortmap(r).check(rest);
    expect(tools(r.calls)).toEqual(['ip6tables-restore']);
  });
});

describe('iptablesPortmap gc', () => {
  it('removes stale entries of this network and their chains, keeping valid ones and other networks', async () => {
    const keepDn = iptablesFamilyPlan(spec({ containerId: 'keep' }), familyViews(spec())[0]!).dnatChain;
    const listed = [
      `-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"net\\" id: \\"cid1\\"" -m multiport --dports 1 -j ${DN}`,
      `-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"net\\" id: \\"keep\\"" -m multiport --dports 2 -j ${keepDn}`,
      '-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"net2\\" id: \\"cid1\\"" -m multiport --dports 3 -j CNI-DN-othernet',
    ].join('\n');
    const r = recordingRunner((argv) => {
      if (argv[0] === 'iptables' && argv.includes('-S')) return { stdout: `-N CNI-HOSTPORT-DNAT\n${listed}\n` };
      if (argv[0] === 'ip6tables') return ABSENT;
      return undefined;
    });
    await iptablesPortmap(r).gc('net', [{ containerId: 'keep', ifname: 'eth0' }]);
    const write = r.calls.find((c) => c.argv[0] === 'iptables-restore');
    expect(write?.input?.split('\n')).toEqual([
      '*nat',
      `-D CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"net\\" id: \\"cid1\\"" -m multiport --dports 1 -j ${DN}`,
      `:${DN} - [0:0]`,
      `-X ${DN}`,
      ':CNI-SN-a4f1c0cea3480fe949fc9 - [0:0]',
      '-X CNI-SN-a4f1c0cea3480fe949fc9',
      'COMMIT',
      '',
    ]);
    expect(tools(r.calls)).not.toContain('ip6tables-restore');
  });
});
