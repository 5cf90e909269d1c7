import { describe, expect, it } from 'vitest';
import { forwardRules } from './podman-networks.ts';

describe('forwardRules', () => {
  it('finds iptables rules appended to CNI-FORWARD for the address, not other chains or addresses', () => {
    const dump = [
      '-A CNI-FORWARD -d 10.89.0.2/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-A CNI-FORWARD -s 10.89.0.2/32 -j ACCEPT',
      '-A CNI-FORWARD -s 10.89.0.20/32 -j ACCEPT',
      '-A POSTROUTING -s 10.89.0.2/32 -j CNI-abc',
    ].join('\n');
    expect(forwardRules(dump, '10.89.0.2')).toHaveLength(2);
  });

  it('finds nft rules inside a CNI-FORWARD chain block only', () => {
    const dump = [
      'table inet cni_firewall {',
      '\tchain CNI-FORWARD {',
      '\t\tip daddr 10.89.0.2 ct state established,related accept',
      '\t\tip saddr 10.89.0.2 accept',
      '\t}',
      '\tchain POSTROUTING {',
      '\t\tip saddr 10.89.0.2 masquerade',
      '\t}',
      '}',
    ].join('\n');
    expect(forwardRules(dump, '10.89.0.2')).toEqual(['\t\tip daddr 10.89.0.2 ct state established,related accept', '\t\tip saddr 10.89.0.2 accept']);
    expect(forwardRules(dump, '10.89.0.3')).toEqual([]);
  });
});
