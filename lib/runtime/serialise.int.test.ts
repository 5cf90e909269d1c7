import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portmapDnatChainName } from '../firewall/names.ts';
import { DIST_BIN, type TestNamespace, type TestNode, createTestNode, isRoot } from '../testing/index.ts';
import { containerIdFor } from './cnitool/args.ts';

// A DEL that overtakes the ADD of the same container (a runtime's retry after a timeout) must
// wait for it: otherwise bridge releases the address before portmap's ADD installs its DNAT,
// and the host port then forwards to whichever pod gets that address next. Two cnitool
// processes run in a throwaway node; a plugin between bridge and portmap sleeps during ADD,
// so the DEL is started while the ADD is in the middle of the chain.

const SLEEP_MS = 1500;

/** A chained plugin that passes prevResult through, sleeping `sleepMs` on ADD; logs each call. */
const SLOW_PLUGIN = `#!${process.execPath}
const fs = require('fs');
const cmd = process.env.CNI_COMMAND;
if (cmd === 'VERSION') {
  process.stdout.write(JSON.stringify({ cniVersion: '1.1.0', supportedVersions: ['0.4.0', '1.0.0', '1.1.0'] }));
  process.exit(0);
}
const conf = JSON.parse(fs.readFileSync(0, 'utf8'));
const log = (what) => fs.appendFileSync(conf.log, cmd + ' ' + what + ' ' + Date.now() + '\\n');
log('start');
if (cmd !== 'ADD') { log('end'); process.exit(0); }
setTimeout(() => { log('end'); process.stdout.write(JSON.stringify(conf.prevResult)); }, conf.sleepMs);
`;

type Backend = 'iptables' | 'nftables';

describe.skipIf(!isRoot()).each(['iptables', 'nftables'] as const)('a DEL started during the ADD of the same container (%s)', (backend: Backend) => {
  let node: TestNode;
  let pluginDir: string;
  let confDir: string;
  const netName = backend === 'iptables' ? 'serial4' : 'serial6';

  beforeAll(() => {
    node = createTestNode();
    pluginDir = join(node.stateDir, 'plugins');
    confDir = join(node.stateDir, 'net.d');
    mkdirSync(pluginDir);
    mkdirSync(confDir);
    for (const p of ['bridge', 'host-local', 'portmap']) symlinkSync(join(DIST_BIN, p), join(pluginDir, p));
    writeFileSync(join(pluginDir, 'slow'), SLOW_PLUGIN);
    chmodSync(join(pluginDir, 'slow'), 0o755);
  });
  afterAll(() => node?.cleanup());

  /** Runs dist/bin/cnitool inside the node namespace; resolves with its exit code and output. */
  function cnitool(args: readonly string[], env: Record<string, string>): { child: ChildProcess; done: Promise<{ code: number; out: string }> } {
    const child = spawn('ip', ['netns', 'exec', node.ns.name, join(DIST_BIN, 'cnitool'), ...args], {
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', NETCONFPATH: confDir, CNI_PATH: pluginDir, CNI_CACHE_DIR: join(node.stateDir, 'cache'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const done = new Promise<{ code: number; out: string }>((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, out })));
    return { child, done };
  }

  async function waitFor(what: () => boolean, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!what()) {
      if (Date.now() > deadline) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it('waits for the ADD, so no DNAT rule of the container survives both', async () => {
    const pod: TestNamespace = node.addPod('serial');
    const log = join(node.stateDir, `${netName}.log`);
    writeFileSync(log, '');
    writeFileSync(
      join(confDir, `${netName}.conflist`),
      JSON.stringify({
        cniVersion: '1.1.0',
        name: netName,
        plugins: [
          { type: 'bridge', bridge: `cnits${netName}`, isGateway: true, ipam: { type: 'host-local', ranges: [[{ subnet: '10.123.0.0/24' }]], dataDir: join(node.stateDir, 'ipam') } },
          { type: 'slow', sleepMs: SLEEP_MS, log },
          { type: 'portmap', backend, stateDir: join(node.stateDir, 'portmap'), capabilities: { portMappings: true } },
        ],
      }),
    );
    const env = { CAP_ARGS: JSON.stringify({ portMappings: [{ hostPort: 18321, containerPort: 80, protocol: 'tcp' }] }) };
    const add = cnitool(['add', netName, pod.path], env);
    await waitFor(() => readFileSync(log, 'utf8').includes('ADD start'), 10_000);
    const delIssuedAt = Date.now();
    const del = cnitool(['del', netName, pod.path], env);
    const [added, deleted] = await Promise.all([add.done, del.done]);
    expect(added.code, added.out).toBe(0);
    expect(deleted.code, deleted.out).toBe(0);

    const events: Record<string, number> = Object.fromEntries(
      readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(' '))
        .map(([cmd, what, at]) => [`${cmd} ${what}`, Number(at)]),
    );
    // the two calls overlapped in time: the DEL was issued while the ADD's chain was running
    expect(delIssuedAt).toBeLessThan(events['ADD end'] ?? 0);
    // and the DEL's chain ran only after the ADD's had finished
    expect(events['DEL start']).toBeGreaterThanOrEqual(events['ADD end'] ?? Infinity);

    const { containerId } = containerIdFor(pod.path, '/');
    const rules = backend === 'iptables' ? node.ns.exec(['iptables-save', '-t', 'nat']) : node.ns.exec(['nft', 'list', 'ruleset']);
    expect(rules).not.toContain(backend === 'iptables' ? portmapDnatChainName(netName, containerId) : `id: ${containerId}`);
    expect(rules).not.toContain('10.123.0.');
    expect(readdirSync(join(node.stateDir, 'cache', 'results'))).toEqual([]);
    // the DEL removed its container's lock file; the network's stays
    expect(readdirSync(join(node.stateDir, 'cache', 'locks', netName)).sort()).toEqual(['.gate', '.network']);
    expect(readdirSync(join(node.stateDir, 'ipam', netName)).filter((f) => /^\d/.test(f))).toEqual([]);
  });
});
