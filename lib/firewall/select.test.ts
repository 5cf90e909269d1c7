import { describe, expect, it } from 'vitest';
import { NoFirewallBackendError } from './errors.ts';
import { recordingRunner } from '../testing/recording-runner.ts';
import { findExecutable, selectBackend, usableBackends } from './select.ts';

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
    expect(selectBackend('nftables', recordingRunner(), both).name).toBe('nftables');
    expect(selectBackend('iptables', recordingRunner(), both).name).toBe('iptables');
  });
  it('chooses automatically: iptables when installed, otherwise nftables', () => {
    expect(selectBackend(undefined, recordingRunner(), both).name).toBe('iptables');
    expect(selectBackend(undefined, recordingRunner(), iptablesOnly).name).toBe('iptables');
    expect(selectBackend(undefined, recordingRunner(), nftOnly).name).toBe('nftables');
  });
  it('throws NoFirewallBackendError naming the missing tools', () => {
    expect(() => selectBackend(undefined, recordingRunner(), fsWith())).toThrow(NoFirewallBackendError);
    expect(() => selectBackend(undefined, recordingRunner(), fsWith())).toThrow(/iptables, iptables-restore, nft/);
    expect(() => selectBackend('nftables', recordingRunner(), iptablesOnly)).toThrow(/"nftables" is not usable: nft not found/);
  });
  it('needs iptables-restore, not only iptables', () => {
    expect(selectBackend(undefined, recordingRunner(), fsWith('/usr/sbin/iptables', '/usr/sbin/nft')).name).toBe('nftables');
  });
  it('does not run any process to choose', () => {
    const runner = recordingRunner();
    selectBackend(undefined, runner, both);
    usableBackends(runner, both);
    expect(runner.calls).toEqual([]);
  });
  it('the chosen backend runs the absolute paths it found', async () => {
    const runner = recordingRunner();
    await selectBackend('nftables', runner, both).setup({ network: 'n', containerId: 'c', ifname: 'eth0', ips: [] });
    expect(runner.calls.every((x) => x.argv[0] === '/opt/bin/nft')).toBe(true);
    expect(runner.calls.length).toBeGreaterThan(0);
  });
});

describe('usableBackends', () => {
  it('lists every installed backend, in Go’s order', () => {
    expect(usableBackends(recordingRunner(), both).map((b) => b.name)).toEqual(['iptables', 'nftables']);
    expect(usableBackends(recordingRunner(), nftOnly).map((b) => b.name)).toEqual(['nftables']);
    expect(usableBackends(recordingRunner(), fsWith())).toEqual([]);
  });
});
