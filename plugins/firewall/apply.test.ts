import { describe, expect, it } from 'vitest';
import { parseIp } from '../../lib/addr/index.ts';
import type { ForwardBackend, ForwardSpec } from '../../lib/firewall/forward/index.ts';
import { installRules, removeRules } from './apply.ts';

const SPEC: ForwardSpec = { network: 'n', containerId: 'c', ifname: 'eth0', ips: [parseIp('10.0.0.5'), parseIp('fd00::5')], adminChain: 'CNI-ADMIN' };

function fakeBackend(name: 'iptables' | 'nftables', fail: { setup?: boolean; teardown?: boolean } = {}): ForwardBackend & { calls: string[] } {
  const calls: string[] = [];
  return {
    name,
    feature: 'firewall',
    calls,
    async setup() {
      calls.push('setup');
      if (fail.setup) throw new Error('ip6tables-restore failed');
    },
    async teardown() {
      calls.push('teardown');
      if (fail.teardown) throw new Error(`${name} teardown broke`);
    },
    async check() {},
    async gc() {},
  };
}

describe('installRules', () => {
  it('a failed setup (one family applied, the other not) removes the address rules again and reports the setup error', async () => {
    const b = fakeBackend('iptables', { setup: true });
    await expect(installRules(b, SPEC)).rejects.toThrow('ip6tables-restore failed');
    expect(b.calls).toEqual(['setup', 'teardown']);
  });

  it('a successful setup is all it does', async () => {
    const b = fakeBackend('nftables');
    await installRules(b, SPEC);
    expect(b.calls).toEqual(['setup']);
  });
});

describe('removeRules', () => {
  it('asks every backend even when one fails, and names the failing one', async () => {
    const [ipt, nft] = [fakeBackend('iptables', { teardown: true }), fakeBackend('nftables')];
    await expect(removeRules([ipt, nft], SPEC)).rejects.toThrow(/iptables teardown/);
    expect(nft.calls).toEqual(['teardown']);
  });
});
