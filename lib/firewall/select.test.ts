import { describe, expect, it } from 'vitest';
import type { Attachment } from '../core/index.ts';
import type { FirewallBackend, FirewallFeature } from './backend.ts';
import { NoFirewallBackendError } from './errors.ts';
import { macSpoofCheck } from './macspoofchk/feature.ts';
import { masquerade } from './masquerade/feature.ts';
import { portmap } from './portmap/feature.ts';
import { recordingRunner } from '../testing/recording-runner.ts';
import { UnavailableError } from '../core/index.ts';
import type { NftRulesRef } from './backend.ts';
import { backendStatus, backendsInUse, findExecutable, selectBackend } from './select.ts';

/** A fake filesystem: only these files are executables. */
function fsWith(...files: string[]): { path: string; isExecutable: (f: string) => boolean } {
  return { path: '/opt/bin:/usr/sbin', isExecutable: (f) => files.includes(f) };
}
const iptablesOnly = fsWith('/usr/sbin/iptables', '/usr/sbin/iptables-restore', '/usr/sbin/ip6tables', '/usr/sbin/ip6tables-restore');
const nftOnly = fsWith('/usr/sbin/nft');
const both = fsWith('/usr/sbin/iptables', '/usr/sbin/iptables-restore', '/opt/bin/nft');

describe('findExecutable', () => {
  it('takes the first PATH directory holding the file, then the sbin fallbacks', () => {
    expect(findExecutable('nft', fsWith('/opt/bin/nft', '/usr/sbin/nft'))).toBe('/opt/bin/nft');
    expect(findExecutable('nft', { path: '/opt/bin', isExecutable: (f) => f === '/sbin/nft' })).toBe('/sbin/nft');
    expect(findExecutable('nft', fsWith())).toBeUndefined();
  });
  it('ignores relative PATH entries', () => {
    expect(findExecutable('nft', { path: 'bin:/x', isExecutable: (f) => f === 'bin/nft' })).toBeUndefined();
  });
});

describe('selectBackend', () => {
  it('an explicit preference wins even when the other tool is installed', () => {
    expect(selectBackend(masquerade, 'nftables', recordingRunner(), both).name).toBe('nftables');
    expect(selectBackend(masquerade, 'iptables', recordingRunner(), both).name).toBe('iptables');
  });
  it('chooses automatically: iptables when installed, otherwise nftables', () => {
    expect(selectBackend(masquerade, undefined, recordingRunner(), both).name).toBe('iptables');
    expect(selectBackend(masquerade, undefined, recordingRunner(), iptablesOnly).name).toBe('iptables');
    expect(selectBackend(masquerade, undefined, recordingRunner(), nftOnly).name).toBe('nftables');
  });
  it('throws NoFirewallBackendError naming the missing tools', () => {
    expect(() => selectBackend(masquerade, undefined, recordingRunner(), fsWith())).toThrow(NoFirewallBackendError);
    expect(() => selectBackend(masquerade, undefined, recordingRunner(), fsWith())).toThrow(/iptables, iptables-restore, nft/);
    expect(() => selectBackend(masquerade, 'nftables', recordingRunner(), iptablesOnly)).toThrow(/"nftables" is not usable: nft not found/);
  });
  it('needs iptables-restore, not only iptables', () => {
    expect(selectBackend(masquerade, undefined, recordingRunner(), fsWith('/usr/sbin/iptables', '/usr/sbin/nft')).name).toBe('nftables');
  });
  it('does not run any process to choose', () => {
    const runner = recordingRunner();
    selectBackend(masquerade, undefined, runner, both);
    backendsInUse(masquerade, runner, { ...both, tableMayExist: () => true });
    expect(runner.calls).toEqual([]);
  });
  it('the chosen backend runs the absolute paths it found', async () => {
    const runner = recordingRunner();
    await selectBackend(masquerade, 'nftables', runner, both).setup({ network: 'n', containerId: 'c', ifname: 'eth0', ips: [] });
    expect(runner.calls.every((x) => x.argv[0] === '/opt/bin/nft')).toBe(true);
    expect(runner.calls.length).toBeGreaterThan(0);
  });
});

describe('backendStatus (STATUS: 50 or 51)', () => {
  /** The thrown error, or undefined. */
  function statusError(...args: Parameters<typeof backendStatus>): unknown {
    try {
      backendStatus(...args);
      return undefined;
    } catch (e) {
      return e;
    }
  }
  const probed: string[] = [];
  const rulesIn = (...tables: string[]) => (ref: NftRulesRef) => {
    probed.push(`${ref.family} ${ref.table}`);
    return tables.includes(`${ref.family} ${ref.table}`);
  };
  it('passes when an ADD could choose a backend, without asking the kernel', () => {
    probed.length = 0;
    expect(statusError(masquerade, undefined, recordingRunner(), { ...nftOnly, podRulesPresent: rulesIn('inet cni_plugins_masquerade') })).toBeUndefined();
    expect(probed).toEqual([]);
  });
  it('is the plain NoFirewallBackendError (code 50) when no pod rules of an unusable backend are in the kernel', () => {
    const e = statusError(masquerade, undefined, recordingRunner(), { ...fsWith(), podRulesPresent: rulesIn() });
    expect(e).toBeInstanceOf(NoFirewallBackendError);
    expect((e as UnavailableError).existingPodsAffected).toBe(false);
  });
  it('says existing pods are affected (code 51) naming the rules only a missing tool could maintain', () => {
    const e = statusError(portmap, undefined, recordingRunner(), { ...fsWith(), podRulesPresent: rulesIn('ip6 cni_hostport') });
    expect(e).toBeInstanceOf(UnavailableError);
    expect((e as UnavailableError).existingPodsAffected).toBe(true);
    expect((e as Error).message).toContain('no usable portmap backend: none of iptables-restore, nft found in PATH');
    expect((e as Error).message).toContain('nftables: ip6 cni_hostport ^(hostports|hostip_hostports)$');
    expect((e as UnavailableError).details).toMatch(/^install iptables-restore, nft/);
  });
  it('looks only at the backends that cannot run: the configured one when there is one', () => {
    probed.length = 0;
    // nftables is configured and nft is missing; iptables' rules belong to a backend that still runs
    const e = statusError(masquerade, 'nftables', recordingRunner(), { ...iptablesOnly, podRulesPresent: rulesIn('ip nat') });
    expect((e as UnavailableError).existingPodsAffected).toBe(false);
    expect(probed).toEqual(['inet cni_plugins_masquerade']);
  });
});

describe('backendsInUse', () => {
  const anyTable = { tableMayExist: () => true };
  it('lists every installed backend, in Go’s order', () => {
    expect(backendsInUse(masquerade, recordingRunner(), { ...both, ...anyTable }).map((b) => b.name)).toEqual(['iptables', 'nftables']);
    expect(backendsInUse(masquerade, recordingRunner(), { ...nftOnly, ...anyTable }).map((b) => b.name)).toEqual(['nftables']);
    expect(backendsInUse(masquerade, recordingRunner(), { ...fsWith(), ...anyTable })).toEqual([]);
  });
  it('skips a backend whose table the kernel says is absent, and asks only about installed ones', () => {
    const asked: string[] = [];
    const tableMayExist = (t: { family: string; name: string }): boolean => {
      asked.push(`${t.family} ${t.name}`);
      return false;
    };
    expect(backendsInUse(masquerade, recordingRunner(), { ...both, tableMayExist }).map((b) => b.name)).toEqual(['iptables']);
    expect(backendsInUse(macSpoofCheck, recordingRunner(), { ...iptablesOnly, tableMayExist })).toEqual([]);
    expect(asked).toEqual(['inet cni_plugins_masquerade']);
  });
});

describe('one selector for every feature', () => {
  it('finds each feature’s own tools, with one message format (code 50 at the plugin boundary)', () => {
    expect(selectBackend(portmap, undefined, recordingRunner(), fsWith('/usr/sbin/iptables-restore')).name).toBe('iptables');
    expect(selectBackend(macSpoofCheck, undefined, recordingRunner(), both).name).toBe('nftables');
    const err = (f: () => unknown): NoFirewallBackendError => {
      try {
        f();
      } catch (e) {
        return e as NoFirewallBackendError;
      }
      throw new Error('no error');
    };
    const pm = err(() => selectBackend(portmap, undefined, recordingRunner(), fsWith()));
    expect(pm).toBeInstanceOf(NoFirewallBackendError);
    expect(pm.message).toBe('no usable portmap backend: none of iptables-restore, nft found in PATH');
    const mac = err(() => selectBackend(macSpoofCheck, undefined, recordingRunner(), iptablesOnly));
    expect(mac.message).toBe('no usable macspoofchk backend: none of nft found in PATH');
    expect(err(() => selectBackend(macSpoofCheck, 'iptables', recordingRunner(), both)).message).toBe('macspoofchk backend "iptables" is not usable: macspoofchk has no iptables implementation');
  });

  it('takes a future feature (e.g. isolation stage 1/2) with its own spec types unchanged', () => {
    interface IsolationSpec { readonly bridge: string }
    const made: string[] = [];
    const fake = (name: 'iptables' | 'nftables'): FirewallBackend<IsolationSpec, { readonly bridge: string }> => ({
      name,
      feature: 'isolation',
      setup: async (spec) => void made.push(`${name} ${spec.bridge}`),
      teardown: async () => {},
      check: async () => {},
      gc: async (_network: string, _valid: readonly Attachment[]) => {},
    });
    const isolation: FirewallFeature<IsolationSpec> = {
      name: 'isolation',
      backends: { iptables: { tools: ['iptables'], create: () => fake('iptables') }, nftables: { tools: ['nft'], create: () => fake('nftables') } },
    };
    void selectBackend(isolation, undefined, recordingRunner(), nftOnly).setup({ bridge: 'cni0' });
    expect(made).toEqual(['nftables cni0']);
  });
});
