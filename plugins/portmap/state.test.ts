import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCidr } from '../../lib/addr/index.ts';
import type { PortmapSpec } from '../../lib/firewall/portmap/index.ts';
import { loadState, removeStateAndLeftovers, saveState } from './state.ts';

const owner = { network: 'net', containerId: 'c1', ifname: 'eth0' };
const spec: PortmapSpec = {
  ...owner,
  mappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
  containerIPv4: parseCidr('10.1.0.5/16'),
  containerIPv6: parseCidr('fd00::5/64'),
  snat: true,
  masqAll: false,
  markMasqBit: 13,
};
// the text saveState wrote before the spec carried parsed addresses
const FILE_TEXT =
  '{"backend":"nftables","spec":{"network":"net","containerId":"c1","ifname":"eth0","mappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}],' +
  '"containerIPv4":{"ip":"10.1.0.5","subnet":"10.1.0.0/16"},"containerIPv6":{"ip":"fd00::5","subnet":"fd00::/64"},"snat":true,"masqAll":false,"markMasqBit":13}}';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'portmap-state-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('portmap state', () => {
  it('writes the container addresses as text, in the format of earlier versions', () => {
    saveState(dir, spec, 'nftables');
    expect(readFileSync(join(dir, 'net', 'c1:eth0'), 'utf8')).toBe(FILE_TEXT);
  });
  it('loads a file in that format back into the parsed spec', () => {
    mkdirSync(join(dir, 'net'));
    writeFileSync(join(dir, 'net', 'c1:eth0'), FILE_TEXT);
    expect(loadState(dir, owner)).toEqual({ backend: 'nftables', spec });
  });
  it('DEL removes the record and the temporary file of an ADD killed before its rename, not another attachment\'s', () => {
    saveState(dir, spec, 'nftables');
    writeFileSync(join(dir, 'net', 'c1:eth0.tmp-12345'), '{"backend"');
    writeFileSync(join(dir, 'net', 'c1:eth1.tmp-12345'), '{"backend"');
    removeStateAndLeftovers(dir, owner);
    expect(readdirSync(join(dir, 'net'))).toEqual(['c1:eth1.tmp-12345']);
    removeStateAndLeftovers(dir, { ...owner, network: 'never-added' });
  });
});
