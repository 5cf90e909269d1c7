import { describe, expect, it } from 'vitest';
import { recordingRunner } from '../../testing/recording-runner.ts';
import { CommandError } from '../runner.ts';
import { PortmapCheckError, PortmapInputError } from './errors.ts';
import { nftablesPortmap } from './nft-backend.ts';
import { legacyNftOwnerComment, nftSetupFast, nftSetupWithBase } from './nft-plan.ts';
import { familyViews } from './spec.ts';
import type { PortmapSpec } from './types.ts';
import { parseCidr } from '../../addr/index.ts';

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

/** Rules of our earlier versions carry the hash-keyed comment; today's carry the container ID (as Go's). */
const OURS = legacyNftOwnerComment(spec());
const NO_TABLE = { exitCode: 1, stderr: 'Error: No such file or directory\nlist table ip6 cni_hostport\n' };

/** `nft -j list table` output holding the given rules. */
function listingJson(family: 'ip' | 'ip6', rules: Array<{ chain: string; handle: number; comment?: string; expr?: unknown[] }>): string {
  const items: unknown[] = [{ metainfo: { json_schema_version: 1 } }, { table: { family, name: 'cni_hostport', handle: 1 } }];
  for (const name of ['hostports', 'hostip_hostports', 'hostports_all', 'prerouting', 'output', 'masquerading']) {
    items.push({ chain: { family, table: 'cni_hostport', name, handle: 2 } });
  }
  for (const r of rules) items.push({ rule: { family, table: 'cni_hostport', chain: r.chain, handle: r.handle, comment: r.comment, expr: r.expr ?? [{ masquerade: null }] } });
  return JSON.stringify({ nftables: items });
}

describe('nftablesPortmap', () => {
  it('setup is one nft transaction on the common path', async () => {
    const r = recordingRunner();
    await nftablesPortmap(r).setup(spec());
    expect(r.calls).toEqual([{ argv: ['nft', '-f', '-'], input: nftSetupFast(spec(), familyViews(spec())) }]);
  });

  it('setup writes the shared part when the fast transaction fails, and reports a second failure', async () => {
    let n = 0;
    const r = recordingRunner(() => (++n === 1 ? { exitCode: 1, stderr: 'Error: No such file or directory' } : undefined));
    await nftablesPortmap(r).setup(spec());
    expect(r.calls.map((c) => c.input)).toEqual([nftSetupFast(spec(), familyViews(spec())), nftSetupWithBase(spec(), familyViews(spec()))]);
    const bad = recordingRunner(() => ({ exitCode: 1, stderr: 'Error: syntax error' }));
    await expect(nftablesPortmap(bad).setup(spec())).rejects.toBeInstanceOf(CommandError);
  });

  it('setup refuses nft conditions that could end the command or hide the comment', async () => {
    const r = recordingRunner();
    await expect(nftablesPortmap(r).setup(spec({ conditionsV4: ['ip', 'saddr', '1.2.3.4;', 'flush', 'ruleset'] }))).rejects.toBeInstanceOf(PortmapInputError);
    await expect(nftablesPortmap(r).setup(spec({ conditionsV4: ['#'] }))).rejects.toBeInstanceOf(PortmapInputError);
    expect(r.calls).toEqual([]);
  });

  it('teardown lists only the pod’s families’ tables and deletes its rules by handle in one transaction', async () => {
    const r = recordingRunner((argv) => {
      if (argv[1] === '-j') {
        return {
          stdout: listingJson('ip', [
            { chain: 'hostports', handle: 5, comment: OURS },
            { chain: 'hostports', handle: 6, comment: legacyNftOwnerComment({ ...spec(), ifname: 'net1' }) },
            { chain: 'masquerading', handle: 7, comment: OURS },
            { chain: 'hostip_hostports', handle: 8, comment: 'cid1', expr: [{ dnat: { addr: '10.1.0.2', port: 80 } }] },
            { chain: 'hostports', handle: 9, comment: 'cid1', expr: [{ dnat: { addr: '10.9.0.2', port: 80 } }] },
          ]),
        };
      }
      return undefined;
    });
    await nftablesPortmap(r).teardown(spec());
    expect(r.calls.map((c) => c.argv.join(' '))).toEqual(['nft -j -a list table ip cni_hostport', 'nft -f -']);
    expect(r.calls[1]?.input).toBe(
      ['delete rule ip cni_hostport hostports handle 5', 'delete rule ip cni_hostport masquerading handle 7', 'delete rule ip cni_hostport hostip_hostports handle 8', ''].join('\n'),
    );
  });

  it('teardown by owner looks in both families; absent tables mean nothing to do', async () => {
    const r = recordingRunner(() => NO_TABLE);
    await nftablesPortmap(r).teardown({ network: 'net', containerId: 'cid1', ifname: 'eth0' });
    expect(r.calls.map((c) => c.argv.slice(-2).join(' ')).sort()).toEqual(['ip cni_hostport', 'ip6 cni_hostport']);
  });

  it('teardown re-lists when a concurrent DEL removed a handle first', async () => {
    let lists = 0;
    const r = recordingRunner((argv) => {
      if (argv[1] === '-j') return { stdout: listingJson('ip', ++lists === 1 ? [{ chain: 'hostports', handle: 5, comment: OURS }] : []) };
      return { exitCode: 1, stderr: 'Error: Could not process rule: No such file or directory' };
    });
    await nftablesPortmap(r).teardown(spec());
    expect(lists).toBe(2);
  });

  it('check reports a missing table and fails on listing errors', async () => {
    const r = recordingRunner(() => NO_TABLE);
    const err = await nftablesPortmap(r).check(spec()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortmapCheckError);
    expect((err as PortmapCheckError).missing).toEqual(['table ip cni_hostport']);
    const broken = recordingRunner(() => ({ exitCode: 1, stderr: 'Error: Operation not permitted' }));
    await expect(nftablesPortmap(broken).check(spec())).rejects.toBeInstanceOf(CommandError);
  });

  it('gc deletes this network’s stale rules in both families and keeps valid attachments', async () => {
    const keep = legacyNftOwnerComment({ ...spec(), containerId: 'keep' });
    const r = recordingRunner((argv) => {
      if (argv[1] !== '-j') return undefined;
      const fam = argv[5] as 'ip' | 'ip6';
      return { stdout: listingJson(fam, [{ chain: 'hostports', handle: fam === 'ip' ? 5 : 15, comment: OURS }, { chain: 'hostports', handle: 6, comment: keep }]) };
    });
    await nftablesPortmap(r).gc('net', [{ containerId: 'keep', ifname: 'eth0' }]);
    expect(r.calls.at(-1)?.input).toBe('delete rule ip cni_hostport hostports handle 5\ndelete rule ip6 cni_hostport hostports handle 15\n');
  });
});
