import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ALL_CHECKS } from './checks/index.ts';
import { detectImpl } from './probe.ts';
import { gate, probeDir, type Facts } from './runner.ts';

const dir = mkdtempSync(join(tmpdir(), 'cnits-conf-probe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, ...parts: (string | Buffer)[]): string {
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p))));
  return path;
}

const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
const MODULE = 'path\tgithub.com/containernetworking/plugins/plugins/main/loopback\n';

describe('detectImpl', () => {
  it('knows a Go build of containernetworking/plugins by its build information and module path', () => {
    expect(detectImpl(file('go', ELF, '\0\0\xff Go buildinf:\x08\x02\0\0', MODULE))).toBe('go');
  });

  it('does not take an executable that only mentions the module path (our iptables comment) for a Go build', () => {
    expect(detectImpl(file('bun', ELF, 'var _s = "Masquerading for plugins from github.com/containernetworking/plugins";'))).toBe('other');
    expect(detectImpl(file('other-go', ELF, '\xff Go buildinf:', 'path\texample.com/cni\n'))).toBe('other');
    expect(detectImpl(file('script', '#!/bin/sh\n# \xff Go buildinf: ', MODULE))).toBe('other');
    expect(detectImpl(join(dir, 'missing'))).toBe('other');
  });
});

describe('probeDir', () => {
  it('probes a directory that lacks some plugins: those are absent, and their checks skip naming the executable', async () => {
    const plugins = mkdtempSync(join(dir, 'plugins-'));
    const script = join(plugins, 'loopback');
    writeFileSync(script, '#!/bin/sh\necho \'{"cniVersion":"1.0.0","supportedVersions":["0.4.0","1.0.0"]}\'\n', { mode: 0o755 });
    const facts = await probeDir(plugins);
    expect(facts.plugins.loopback).toEqual({ present: true, impl: 'other', versions: ['0.4.0', '1.0.0'] });
    for (const name of ['firewall', 'tuning', 'ptp', 'bandwidth', 'static', 'tap', 'dummy'] as const) expect(facts.plugins[name].present).toBe(false);
    const all: Facts = { root: true, tools: new Set(['iptables', 'ping']), plugins: facts, reference: undefined, requirePlugins: false };
    const firewall = ALL_CHECKS.find((c) => c.id === 'firewall/forward-drop-policy');
    expect(firewall).toBeDefined();
    expect(gate({ check: firewall!, id: firewall!.id, version: undefined }, all)).toEqual({ kind: 'skip', reason: `no firewall executable in ${plugins}` });
    expect(gate({ check: firewall!, id: firewall!.id, version: undefined }, { ...all, requirePlugins: true }).kind).toBe('fail');
    const loopback = ALL_CHECKS.find((c) => c.id === 'loopback/check')!;
    expect(gate({ check: loopback, id: loopback.id, version: '1.0.0' }, all)).toEqual({ kind: 'run', version: '1.0.0' });
  });
});
