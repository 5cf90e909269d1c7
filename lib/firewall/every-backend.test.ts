import { describe, expect, it } from 'vitest';
import { gcEveryBackend, teardownEveryBackend } from './every-backend.ts';
import type { BackendName } from './backend.ts';
import type { MasqueradeBackend } from './masquerade/types.ts';

function fake(name: BackendName, log: string[], fail?: string): MasqueradeBackend {
  const step = async (what: string): Promise<void> => {
    log.push(`${name} ${what}`);
    if (fail) throw new Error(fail);
  };
  return {
    name,
    feature: 'masquerade',
    setup: () => step('setup'),
    teardown: () => step('teardown'),
    check: () => step('check'),
    gc: (network, valid) => step(`gc ${network} ${valid.length}`),
  };
}
const spec = { network: 'n', containerId: 'c', ifname: 'eth0', ips: [] };

describe('teardownEveryBackend / gcEveryBackend', () => {
  it('run every backend', async () => {
    const log: string[] = [];
    await teardownEveryBackend([fake('iptables', log), fake('nftables', log)], spec);
    await gcEveryBackend([fake('iptables', log), fake('nftables', log)], { network: 'n', valid: [{ containerId: 'c', ifname: 'eth0' }] });
    expect(log).toEqual(['iptables teardown', 'nftables teardown', 'iptables gc n 1', 'nftables gc n 1']);
  });
  it('keep going after a failure and aggregate the errors with backend names', async () => {
    const log: string[] = [];
    const err = await teardownEveryBackend([fake('iptables', log, 'boom'), fake('nftables', log)], spec).catch((e: unknown) => e);
    expect(log).toEqual(['iptables teardown', 'nftables teardown']);
    expect(err).toBeInstanceOf(AggregateError);
    expect((err as AggregateError).errors).toHaveLength(1);
    expect((err as AggregateError).message).toBe('masquerade teardown failed: iptables: boom');
  });
  it('succeed with no backend at all', async () => {
    await expect(teardownEveryBackend([], spec)).resolves.toBeUndefined();
  });
});
