import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BINARY_NAME, FRONT_MARKER, isPluginFront, pluginFront } from './plugin-front.ts';
import { versionAnswer } from './version.ts';

// The fronts run for real (/bin/sh) against a stand-in for the executable that records how it
// was started, so "VERSION never starts the executable" is a fact checked, not a timing.

const root = mkdtempSync(join(tmpdir(), 'cnits-front-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A plugin directory: the front of `name` and a stand-in executable recording its start. */
function pluginDir(name: string, withBinary = true): { dir: string; record: string } {
  const dir = mkdtempSync(join(root, 'bin-'));
  const record = join(dir, 'started');
  writeFileSync(join(dir, name), pluginFront(name), { mode: 0o755 });
  if (withBinary) {
    writeFileSync(
      join(dir, BINARY_NAME),
      `#!/bin/sh\n{ printf 'args:%s\\n' "$*"; printf 'command:%s\\n' "$CNI_COMMAND"; printf 'stdin:'; cat; } > ${JSON.stringify(record)}\necho '{"from":"binary"}'\nexit 3\n`,
      { mode: 0o755 },
    );
  }
  return { dir, record };
}

function run(path: string, env: Record<string, string>, input = ''): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(path, ['extra', 'arg'], { input, encoding: 'utf8', env: { PATH: '/usr/bin:/bin', ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('pluginFront', () => {
  it('answers VERSION byte for byte as the executable would, without starting it', () => {
    const { dir, record } = pluginDir('bridge');
    const r = run(join(dir, 'bridge'), { CNI_COMMAND: 'VERSION' }, '{"cniVersion":"0.4.0"}');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(versionAnswer());
    expect(existsSync(record)).toBe(false);
  });

  it('runs the executable beside it for every other command, under the program name, with stdin, environment and exit code', () => {
    const { dir, record } = pluginDir('tuning');
    for (const command of ['ADD', 'DEL', 'CHECK', 'GC', 'STATUS', '']) {
      const r = run(join(dir, 'tuning'), { CNI_COMMAND: command }, '{"name":"n"}');
      expect(r.status, command).toBe(3);
      expect(r.stdout, command).toBe('{"from":"binary"}\n');
      expect(readFileSync(record, 'utf8'), command).toBe(`args:tuning extra arg\ncommand:${command}\nstdin:{"name":"n"}`);
    }
  });

  it('finds the executable through a link to the front from another directory', () => {
    const { dir, record } = pluginDir('portmap');
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere);
    symlinkSync(join(dir, 'portmap'), join(elsewhere, 'portmap'));
    expect(run(join(elsewhere, 'portmap'), { CNI_COMMAND: 'ADD' }).status).toBe(3);
    expect(readFileSync(record, 'utf8')).toContain('args:portmap extra arg');
  });

  it('answers a CNI error when the executable is not beside it (a lone copy of a front)', () => {
    const { dir } = pluginDir('firewall', false);
    const r = run(join(dir, 'firewall'), { CNI_COMMAND: 'ADD' });
    expect(r.status).toBe(1);
    const err = JSON.parse(r.stdout) as { code: number; msg: string };
    expect(err.code).toBe(999);
    expect(err.msg).toContain(`the ${BINARY_NAME} executable is not beside the firewall front`);
    // VERSION still answers: it never needed the executable
    expect(run(join(dir, 'firewall'), { CNI_COMMAND: 'VERSION' }).stdout).toBe(versionAnswer());
  });

  it('is recognised only as the exact front of its own program', () => {
    expect(pluginFront('host-local').split('\n')[1]).toBe(`${FRONT_MARKER} host-local`);
    expect(isPluginFront(pluginFront('host-local'), 'host-local')).toBe(true);
    expect(isPluginFront(pluginFront('bridge'), 'host-local')).toBe(false);
    expect(isPluginFront(`${pluginFront('host-local')}\n`, 'host-local')).toBe(false);
    expect(() => pluginFront('a b')).toThrow(/not a program name/);
    expect(() => pluginFront("x'y")).toThrow(/not a program name/);
  });
});
