import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST_BIN } from '../../testing/index.ts';

// The built `cnitool validate` on the built plugins: a misspelled and a mistyped key are found,
// the README's example passes. It changes nothing on the machine, so it needs no namespace.

let confDir: string;

beforeAll(() => {
  confDir = mkdtempSync(join(tmpdir(), 'cnits-validate-'));
  copyFileSync(new URL('../../../examples/10-bridge.conflist', import.meta.url), join(confDir, '10-bridge.conflist'));
  writeFileSync(
    join(confDir, '20-typos.conflist'),
    JSON.stringify({
      cniVersion: '1.1.0',
      name: 'typos',
      plugins: [
        { type: 'bridge', bridge: 'cni9', isGatway: true, vlan: 'ten', ipam: { type: 'host-local', subnet: '10.99.0.0/24', rangestart: '10.99.0.10' } },
        { type: 'portmap', capabilities: { portMappings: true }, markMasqBit: 40 },
      ],
    }),
  );
});
afterAll(() => rmSync(confDir, { recursive: true, force: true }));

function validate(network: string, ...flags: string[]) {
  const r = spawnSync(join(DIST_BIN, 'cnitool'), ['validate', network, ...flags], { env: { PATH: process.env.PATH ?? '', NETCONFPATH: confDir, CNI_PATH: DIST_BIN }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cnitool validate (dist/bin)', () => {
  it('reports mistyped keys as errors and misspelled ones as warnings, with their key paths, and exits 1', () => {
    const r = validate('typos');
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')).toEqual([
      'cnitool validate: warning: unknown key plugins[0].isGatway (did you mean "isGateway"?): the plugin ignores it',
      'cnitool validate: error: invalid plugins[0].vlan "ten": expected an integer from 0 to 4094',
      'cnitool validate: warning: unknown key plugins[0].ipam.rangestart (did you mean "rangeStart"?): the plugin ignores it',
      'cnitool validate: error: invalid plugins[1].markMasqBit 40: expected an integer from 0 to 31',
      '',
    ]);
    expect(r.stdout).toBe('network "typos": 2 error(s), 2 warning(s) in plugin configurations\n');
    const json = JSON.parse(validate('typos', '--json').stdout) as { problems: { severity: string; path: string }[] };
    expect(json.problems.map((p) => [p.severity, p.path])).toEqual([
      ['warning', 'plugins[0].isGatway'],
      ['error', 'plugins[0].vlan'],
      ['warning', 'plugins[0].ipam.rangestart'],
      ['error', 'plugins[1].markMasqBit'],
    ]);
  });

  it('passes the README example', () => {
    expect(validate('podnet')).toEqual({ code: 0, stdout: 'network "podnet" is valid at version 1.1.0: plugins bridge, portmap; capabilities: portMappings\n', stderr: '' });
  });
});
