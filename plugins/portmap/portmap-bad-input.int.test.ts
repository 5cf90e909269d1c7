import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST_BIN, type TestNamespace, createNamespace, isRoot, removeAllNamespaces, runPluginBinary } from '../../lib/testing/index.ts';

// portmap refuses a malformed prevResult or port mapping before it touches the firewall
// (issue 17): code 6 or 7 naming the key, a non-zero exit, no rule in either backend, no state.

const good = () => ({
  cniVersion: '1.0.0',
  interfaces: [{ name: 'br0', mac: '0a:58:0a:01:00:01' }, { name: 'eth0', mac: '0a:58:0a:01:00:05', sandbox: '/run/netns/pod' }],
  ips: [{ address: '10.79.0.5/24', gateway: '10.79.0.1', interface: 1 }],
  routes: [{ dst: '0.0.0.0/0', gw: '10.79.0.1' }],
});

describe.skipIf(!isRoot())('portmap: bad input changes nothing', () => {
  let node: TestNamespace;
  let stateDir: string;
  beforeAll(() => {
    node = createNamespace('pmbad-node');
    stateDir = mkdtempSync(join(tmpdir(), 'cnits-pmbad-'));
  });
  afterAll(() => {
    removeAllNamespaces();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  /** Both backends' rules, without iptables-save's timestamped comments. */
  const firewall = () => `${node.tryExec(['iptables-save', '-t', 'nat']).stdout}\n${node.tryExec(['nft', 'list', 'ruleset']).stdout}`.split('\n').filter((l) => !l.startsWith('#')).join('\n');

  function conf(prevResult: unknown, mapping: Record<string, unknown> = { hostPort: 8080, containerPort: 80 }, backend = 'iptables'): Record<string, unknown> {
    return { cniVersion: '1.0.0', name: 'pmbad', type: 'portmap', backend, stateDir, runtimeConfig: { portMappings: [mapping] }, prevResult };
  }

  const cases: [string, Record<string, unknown>, number, string][] = [
    ['a 0.4.0 prevResult under a 1.0.0 config', conf({ ...good(), cniVersion: '0.4.0' }), 7, 'prevResult.cniVersion'],
    ['a 0.2.0-shaped prevResult that says 1.0.0', conf({ cniVersion: '1.0.0', ip4: { ip: '10.79.0.5/24' } }), 7, 'prevResult.ip4'],
    ['a gateway that is not an address', conf({ ...good(), ips: [{ ...good().ips[0], gateway: 'gw' }] }), 6, 'prevResult.ips[0].gateway'],
    ['a route destination that is not a CIDR', conf({ ...good(), routes: [{ dst: 'default' }] }), 6, 'prevResult.routes[0].dst'],
    ['an interface index out of range', conf({ ...good(), ips: [{ ...good().ips[0], interface: 5 }] }), 7, 'prevResult.ips[0].interface'],
    ['an address without a prefix', conf({ ...good(), ips: [{ ...good().ips[0], address: '10.79.0.5' }] }), 6, 'prevResult.ips[0].address'],
    ['hostPort 0', conf(good(), { hostPort: 0, containerPort: 80 }), 7, 'runtimeConfig.portMappings[0].hostPort 0'],
    ['containerPort 0', conf(good(), { hostPort: 8080, containerPort: 0 }), 7, 'runtimeConfig.portMappings[0].containerPort 0'],
    ['hostPort 65536', conf(good(), { hostPort: 65536, containerPort: 80 }), 7, 'runtimeConfig.portMappings[0].hostPort 65536'],
  ];

  for (const command of ['ADD', 'CHECK'] as const) {
    for (const backend of ['iptables', 'nftables']) {
      it.each(cases)(`${command} (${backend}), %s: code 6 or 7 naming the key, no rule, no state`, async (_what, config, code, key) => {
        const before = firewall();
        const r = await runPluginBinary(join(DIST_BIN, 'portmap'), { command, config: { ...config, backend }, containerId: 'pmbad1', netns: '/run/netns/pod', ifname: 'eth0', node });
        expect(r.code, r.stdout).toBe(1);
        expect(r.json.code, r.stdout).toBe(code);
        expect(r.json.msg).toContain(key);
        expect(firewall()).toEqual(before);
        expect(readdirSync(stateDir)).toEqual([]);
      });
    }
  }
});
