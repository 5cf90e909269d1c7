import { describe, expect, it } from 'vitest';
import { PortmapCheckError } from './errors.ts';
import { onlyLocalnetGuardMissing } from './localnet-guard.ts';

describe('onlyLocalnetGuardMissing', () => {
  it('is true when every missing piece belongs to the guard (iptables or nftables)', () => {
    expect(onlyLocalnetGuardMissing(new PortmapCheckError('iptables', ['iptables filter CNI-HOSTPORT-LOCALNET: ! -s 127.0.0.0/8 -d 127.0.0.0/8 ...']))).toBe(true);
    expect(onlyLocalnetGuardMissing(new PortmapCheckError('iptables', ['iptables filter INPUT: -j CNI-HOSTPORT-LOCALNET']))).toBe(true);
    expect(onlyLocalnetGuardMissing(new PortmapCheckError('nftables', ['ip cni_hostport: chain localnet_input', 'ip cni_hostport localnet_output: localnet guard rule']))).toBe(true);
  });

  it('is false when a mapping rule is missing too, when nothing is listed, and for other errors', () => {
    const dnat = 'iptables nat CNI-DN-x: -p tcp -m tcp --dport 8081 -j DNAT --to-destination 10.0.0.2:80';
    expect(onlyLocalnetGuardMissing(new PortmapCheckError('iptables', [dnat]))).toBe(false);
    expect(onlyLocalnetGuardMissing(new PortmapCheckError('iptables', ['iptables filter INPUT: -j CNI-HOSTPORT-LOCALNET', dnat]))).toBe(false);
    expect(onlyLocalnetGuardMissing(new PortmapCheckError('iptables', []))).toBe(false);
    expect(onlyLocalnetGuardMissing(new Error('iptables filter INPUT: -j CNI-HOSTPORT-LOCALNET'))).toBe(false);
  });
});
