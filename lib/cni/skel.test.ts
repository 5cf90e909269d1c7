import { describe, expect, it } from 'vitest';
import { UnavailableError } from '../core/index.ts';
import { masquerade, selectBackend } from '../firewall/index.ts';
import { recordingRunner } from '../testing/recording-runner.ts';
import { CniError } from './errors.ts';
import { type PluginDefinition, runPlugin } from './skel.ts';
import { fakeIo } from './testing-io.ts';
import type { Result } from './types.ts';
import { SUPPORTED_VERSIONS, specHasCheck, specHasGcAndStatus } from './version.ts';

const result: Result = {
  cniVersion: '1.1.0',
  interfaces: [{ name: 'eth0', mac: '0a:58:0a:01:00:05', sandbox: '/run/netns/x' }],
  ips: [
    { address: '10.1.0.5/16', gateway: '10.1.0.1', interface: 0 },
    { address: 'fd00::5/64', gateway: 'fd00::1', interface: 0 },
  ],
  routes: [{ dst: '0.0.0.0/0' }],
};

function recordingPlugin(calls: string[]): PluginDefinition {
  return {
    name: 'test',
    handlers: {
      add: async (req) => {
        calls.push(`ADD ${req.containerId} ${req.ifname} ${req.netns} ${req.args.get('K') ?? ''}`);
        return result;
      },
      del: async (req) => void calls.push(`DEL ${req.netns}`),
      check: async () => void calls.push('CHECK'),
      gc: async (req) => void calls.push(`GC ${JSON.stringify(req.validAttachments)}`),
      status: async () => void calls.push('STATUS'),
    },
  };
}

const attachEnv = { CNI_CONTAINERID: 'c1', CNI_NETNS: '/run/netns/x', CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin' };
const conf = (v: string, extra: Record<string, unknown> = {}) => JSON.stringify({ cniVersion: v, name: 'net1', type: 'test', ...extra });

async function run(env: Record<string, string | undefined>, stdin?: string, calls: string[] = []) {
  const io = fakeIo(env, stdin);
  const code = await runPlugin(recordingPlugin(calls), io);
  const out = io.stdout.join('');
  return { code, out, json: out ? JSON.parse(out) : undefined, io, calls };
}

describe('runPlugin VERSION', () => {
  it.each([[undefined], ['{"cniVersion":"1.0.0"}'], ['garbage']])('answers with every version and needs no other env (stdin %s)', async (stdin) => {
    const r = await run({ CNI_COMMAND: 'VERSION' }, stdin);
    expect(r.code).toBe(0);
    expect(r.json).toEqual({ cniVersion: '1.1.0', supportedVersions: [...SUPPORTED_VERSIONS] });
    expect(r.io.stdinReads).toBe(0);
  });
});

describe('runPlugin environment', () => {
  it('reports a missing CNI_COMMAND as code 4 and explains itself on stderr', async () => {
    const r = await run({}, conf('1.1.0'));
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 4, msg: 'required env variables [CNI_COMMAND] missing' });
    expect(r.io.stderr.join('')).toContain('CNI protocol versions supported');
  });
  it('rejects an unknown command with the text libcni looks for', async () => {
    const r = await run({ CNI_COMMAND: 'FOO' }, conf('1.1.0'));
    expect(r.json).toMatchObject({ code: 4, msg: 'unknown CNI_COMMAND: FOO' });
  });
  it.each([
    ['ADD', {}, 'CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME'],
    ['CHECK', { CNI_NETNS: '/x' }, 'CNI_CONTAINERID,CNI_IFNAME'],
    ['DEL', {}, 'CNI_CONTAINERID,CNI_IFNAME'],
    ['GC', {}, 'CNI_PATH'],
  ])('%s names every missing variable at once', async (cmd, env, names) => {
    const r = await run({ CNI_COMMAND: cmd, ...env }, conf('1.1.0'));
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 4, msg: `required env variables [${names}] missing` });
    expect(r.calls).toEqual([]);
  });
  it('lets DEL run with an empty CNI_NETNS', async () => {
    const r = await run({ CNI_COMMAND: 'DEL', ...attachEnv, CNI_NETNS: '' }, conf('1.0.0'));
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    expect(r.calls).toEqual(['DEL ']);
  });
  it('lets STATUS run without any other variable', async () => {
    const r = await run({ CNI_COMMAND: 'STATUS' }, conf('1.1.0'));
    expect(r.code).toBe(0);
    expect(r.calls).toEqual(['STATUS']);
  });
  it.each(['bad id', '-lead', 'a/b', ''])('rejects container ID %j with code 4', async (id) => {
    const r = await run({ CNI_COMMAND: 'ADD', ...attachEnv, CNI_CONTAINERID: id }, conf('1.0.0'));
    expect(r.json.code).toBe(4);
  });
  it.each(['a'.repeat(16), 'a/b', 'a:b', 'a b', '.', '..'])('rejects interface name %j with code 4', async (ifname) => {
    const r = await run({ CNI_COMMAND: 'ADD', ...attachEnv, CNI_IFNAME: ifname }, conf('1.0.0'));
    expect(r.json.code).toBe(4);
    expect(r.json.msg).toContain('CNI_IFNAME');
  });
  it('accepts a 15-byte interface name', async () => {
    const r = await run({ CNI_COMMAND: 'ADD', ...attachEnv, CNI_IFNAME: 'a'.repeat(15) }, conf('1.0.0'));
    expect(r.code).toBe(0);
  });
});

describe('runPlugin stdin', () => {
  const add = { CNI_COMMAND: 'ADD', ...attachEnv };
  it('reports unreadable stdin as code 5', async () => {
    const r = await run(add, undefined);
    expect(r.json.code).toBe(5);
  });
  it.each(['{', 'null', '[]', '"x"'])('reports %j on stdin as code 6', async (stdin) => {
    const r = await run(add, stdin);
    expect(r.json.code).toBe(6);
  });
  it.each([
    [{ cniVersion: '1.0.0', type: 'x' }, 'missing network name'],
    [{ cniVersion: '1.0.0', name: '../etc', type: 'x' }, 'invalid characters in network name'],
    [{ cniVersion: '1.0.0', name: 'a/b', type: 'x' }, 'invalid characters in network name'],
    [{ cniVersion: '1.0.0', name: 7, type: 'x' }, 'invalid network name'],
  ])('reports a bad network name as code 7 (%j)', async (c, msg) => {
    const r = await run(add, JSON.stringify(c));
    expect(r.json.code).toBe(7);
    expect(r.json.msg).toContain(msg);
  });
  it('reports an unsupported version as code 1 listing the supported ones', async () => {
    const r = await run(add, conf('9.9.9'));
    expect(r.json).toMatchObject({ code: 1, msg: 'incompatible CNI versions' });
    expect(r.json.details).toBe(`config is "9.9.9", plugin supports [${SUPPORTED_VERSIONS.map((v) => `"${v}"`).join(' ')}]`);
  });
  it('treats a config without cniVersion as 0.1.0', async () => {
    const r = await run(add, JSON.stringify({ name: 'n', type: 't' }));
    expect(r.code).toBe(0);
    expect(r.json.cniVersion).toBe('0.1.0');
    expect(r.json.ip4.ip).toBe('10.1.0.5/16');
  });
});

describe.each(SUPPORTED_VERSIONS)('runPlugin at version %s', (v) => {
  it('prints the ADD result in the shape of the config version', async () => {
    const r = await run({ CNI_COMMAND: 'ADD', ...attachEnv, CNI_ARGS: 'IgnoreUnknown=1;K=v;X' }, conf(v));
    expect(r.code).toBe(0);
    expect(r.json.cniVersion).toBe(v);
    expect(r.calls).toEqual(['ADD c1 eth0 /run/netns/x v']);
    if (v === '0.1.0' || v === '0.2.0') {
      expect(r.json.ip4).toEqual({ ip: '10.1.0.5/16', gateway: '10.1.0.1', routes: [{ dst: '0.0.0.0/0' }] });
      expect(r.json.ip6).toEqual({ ip: 'fd00::5/64', gateway: 'fd00::1' });
      expect(r.json.ips).toBeUndefined();
    } else if (v.startsWith('0.')) {
      expect(r.json.ips.map((i: { version: string }) => i.version)).toEqual(['4', '6']);
      expect(r.json.interfaces).toEqual(result.interfaces);
    } else {
      expect(r.json.ips[0]).toEqual({ address: '10.1.0.5/16', gateway: '10.1.0.1', interface: 0 });
      expect(r.json.ips[0].version).toBeUndefined();
    }
  });
  it(specHasCheck(v) ? 'runs CHECK' : 'refuses CHECK with code 1', async () => {
    const r = await run({ CNI_COMMAND: 'CHECK', ...attachEnv }, conf(v));
    if (specHasCheck(v)) {
      expect(r.code).toBe(0);
      expect(r.calls).toEqual(['CHECK']);
    } else {
      expect(r.json).toMatchObject({ code: 1, msg: 'config version does not allow CHECK' });
      expect(r.calls).toEqual([]);
    }
  });
  it.each(['GC', 'STATUS'])(specHasGcAndStatus(v) ? 'runs %s' : 'refuses %s with code 1', async (cmd) => {
    const r = await run({ CNI_COMMAND: cmd, CNI_PATH: '/opt/cni/bin' }, conf(v));
    if (specHasGcAndStatus(v)) expect(r.code).toBe(0);
    else expect(r.json).toMatchObject({ code: 1, msg: `config version does not allow ${cmd}` });
  });
});

describe('runPlugin GC', () => {
  const gc = { CNI_COMMAND: 'GC', CNI_PATH: '/opt/cni/bin' };
  it('passes the valid attachments from either key, and undefined when absent', async () => {
    const list = [{ containerID: 'a', ifname: 'eth0' }];
    const handed = JSON.stringify([{ containerId: 'a', ifname: 'eth0' }]); // lib/core's Attachment
    expect((await run(gc, conf('1.1.0', { 'cni.dev/valid-attachments': list }))).calls).toEqual([`GC ${handed}`]);
    expect((await run(gc, conf('1.1.0', { 'cni.dev/attachments': list }))).calls).toEqual([`GC ${handed}`]);
    expect((await run(gc, conf('1.1.0'))).calls).toEqual(['GC undefined']);
  });
  it('rejects a malformed attachment list with code 7', async () => {
    const r = await run(gc, conf('1.1.0', { 'cni.dev/valid-attachments': [{ containerID: 1 }] }));
    expect(r.json.code).toBe(7);
  });
});

describe('runPlugin errors from handlers', () => {
  it('passes a CniError through and wraps anything else as 999', async () => {
    const typed: PluginDefinition = { name: 't', handlers: { add: async () => { throw new CniError(11, 'busy', 'later'); } } };
    const io1 = fakeIo({ CNI_COMMAND: 'ADD', ...attachEnv }, conf('1.0.0'));
    expect(await runPlugin(typed, io1)).toBe(1);
    expect(JSON.parse(io1.stdout.join(''))).toEqual({ cniVersion: '1.0.0', code: 11, msg: 'busy', details: 'later' });

    const plain: PluginDefinition = { name: 't', handlers: { add: async () => { throw new Error('boom'); } } };
    const io2 = fakeIo({ CNI_COMMAND: 'ADD', ...attachEnv }, conf('1.0.0'));
    expect(await runPlugin(plain, io2)).toBe(1);
    expect(JSON.parse(io2.stdout.join(''))).toEqual({ cniVersion: '1.0.0', code: 999, msg: 'boom' });
  });
  it('reports an UnavailableError as code 50 with its message and details', async () => {
    const plugin: PluginDefinition = { name: 't', handlers: { status: async () => { throw new UnavailableError('no frobnicator', 'frob not found'); } } };
    const io = fakeIo({ CNI_COMMAND: 'STATUS', CNI_PATH: '/x' }, conf('1.1.0'));
    expect(await runPlugin(plugin, io)).toBe(1);
    expect(JSON.parse(io.stdout.join(''))).toEqual({ cniVersion: '1.1.0', code: 50, msg: 'no frobnicator', details: 'frob not found' });
    const bare: PluginDefinition = { name: 't', handlers: { status: async () => { throw new UnavailableError('no frobnicator: frob not found'); } } };
    const io2 = fakeIo({ CNI_COMMAND: 'STATUS', CNI_PATH: '/x' }, conf('1.1.0'));
    expect(await runPlugin(bare, io2)).toBe(1);
    expect(JSON.parse(io2.stdout.join(''))).toEqual({ cniVersion: '1.1.0', code: 50, msg: 'no frobnicator: frob not found' });
  });
  it('reports an UnavailableError whose cause also affects existing pods as code 51', async () => {
    const plugin: PluginDefinition = { name: 't', handlers: { status: async () => { throw new UnavailableError('no frobnicator', 'install frob', true); } } };
    const io = fakeIo({ CNI_COMMAND: 'STATUS', CNI_PATH: '/x' }, conf('1.1.0'));
    expect(await runPlugin(plugin, io)).toBe(1);
    expect(JSON.parse(io.stdout.join(''))).toEqual({ cniVersion: '1.1.0', code: 51, msg: 'no frobnicator', details: 'install frob' });
  });
  it('reports an ADD with ipMasq on a node without iptables and nft as code 50, as bridge ADD does', async () => {
    const noTools = { path: '/nonexistent', isExecutable: () => false };
    const bridgeLike: PluginDefinition = {
      name: 'bridge',
      handlers: { add: async () => { selectBackend(masquerade, undefined, recordingRunner(), noTools); return result; } },
    };
    const io = fakeIo({ CNI_COMMAND: 'ADD', ...attachEnv }, conf('1.1.0', { ipMasq: true }));
    expect(await runPlugin(bridgeLike, io)).toBe(1);
    expect(JSON.parse(io.stdout.join(''))).toEqual({
      cniVersion: '1.1.0',
      code: 50,
      msg: 'no usable masquerade backend: none of iptables, iptables-restore, nft found in PATH',
    });
  });
  it('fails a verb without a handler clearly, but lets GC and STATUS succeed', async () => {
    const empty: PluginDefinition = { name: 'empty', handlers: {} };
    const io = fakeIo({ CNI_COMMAND: 'ADD', ...attachEnv }, conf('1.0.0'));
    expect(await runPlugin(empty, io)).toBe(1);
    expect(io.stdout.join('')).toContain('does not implement ADD');
    const gc = fakeIo({ CNI_COMMAND: 'GC', CNI_PATH: '/x' }, conf('1.1.0'));
    expect(await runPlugin(empty, gc)).toBe(0);
  });
});

describe('runPlugin: deeply nested stdin (issue 17)', () => {
  const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
  it.each([
    ['ipam.ranges', { ipam: { type: 'host-local', ranges: '@' } }],
    ['runtimeConfig.portMappings', { runtimeConfig: { portMappings: '@' } }],
    ['prevResult.ips', { prevResult: { cniVersion: '1.0.0', ips: '@' } }],
  ])('10,000 levels inside %s: code 6 naming the limit, no handler called', async (_key, extra) => {
    const stdin = conf('1.0.0', extra).replace('"@"', deep(10_000));
    const r = await run({ CNI_COMMAND: 'ADD', ...attachEnv }, stdin);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 6, msg: 'error parsing network config from stdin' });
    expect(r.json.details).toMatch(/nested more than 128 levels/);
    expect(r.calls).toEqual([]);
  });
});

describe('runPlugin invocation log', () => {
  /** A fake I/O that records appendLog's calls, or fails them with `fail`. */
  function logIo(env: Record<string, string | undefined>, stdin: string | undefined, fail?: Error) {
    const io = fakeIo(env, stdin);
    const appended: { path: string; line: string; maxBytes: number }[] = [];
    const withLog = Object.assign(io, {
      appendLog(path: string, line: string, maxBytes: number) {
        if (fail) throw fail;
        appended.push({ path, line, maxBytes });
      },
    });
    return { io: withLog, appended };
  }

  it('writes one line per run, with the outcome, when the config names a file', async () => {
    const { io, appended } = logIo({ ...attachEnv, CNI_COMMAND: 'ADD' }, conf('1.1.0', { logFile: '/l' }));
    expect(await runPlugin(recordingPlugin([]), io)).toBe(0);
    expect(appended).toHaveLength(1);
    expect(appended[0]?.path).toBe('/l');
    expect(appended[0]?.maxBytes).toBe(10 * 1024 * 1024);
    expect(JSON.parse(appended[0]?.line ?? '')).toMatchObject({
      plugin: 'test', command: 'ADD', network: 'net1', containerId: 'c1', netns: '/run/netns/x', ifname: 'eth0', outcome: 'ok',
    });
    expect(io.stderr).toEqual([]);
  });

  it('logs a failure with the code printed to the runtime, also at level error', async () => {
    const { io, appended } = logIo({ CNI_COMMAND: 'ADD', CNI_NETNS: '/run/netns/x', CNI_IFNAME: 'eth0', CNI_TS_LOG_FILE: '/e', CNI_TS_LOG_LEVEL: 'error' }, conf('1.1.0'));
    expect(await runPlugin(recordingPlugin([]), io)).toBe(1);
    const printed = JSON.parse(io.stdout.join(''));
    expect(JSON.parse(appended[0]?.line ?? '')).toMatchObject({ outcome: 'error', code: printed.code, msg: printed.msg });
    expect(printed.code).toBe(4);
  });

  it('writes nothing for a success at level error, for VERSION, or with no file', async () => {
    const quiet = logIo({ ...attachEnv, CNI_COMMAND: 'DEL' }, conf('1.1.0', { logFile: '/l', logLevel: 'error' }));
    expect(await runPlugin(recordingPlugin([]), quiet.io)).toBe(0);
    const version = logIo({ CNI_COMMAND: 'VERSION', CNI_TS_LOG_FILE: '/l' }, undefined);
    expect(await runPlugin(recordingPlugin([]), version.io)).toBe(0);
    const off = logIo({ ...attachEnv, CNI_COMMAND: 'ADD' }, conf('1.1.0'));
    expect(await runPlugin(recordingPlugin([]), off.io)).toBe(0);
    expect([quiet.appended, version.appended, off.appended]).toEqual([[], [], []]);
  });

  it('adds the debug fields at level debug', async () => {
    const { io, appended } = logIo({ ...attachEnv, CNI_COMMAND: 'ADD' }, conf('0.4.0', { logFile: '/l', logLevel: 'debug' }));
    await runPlugin(recordingPlugin([]), io);
    const line = JSON.parse(appended[0]?.line ?? '');
    expect(line).toMatchObject({ cniVersion: '0.4.0', pid: process.pid, ips: ['10.1.0.5/16', 'fd00::5/64'] });
    for (const k of ['startupMs', 'parseMs', 'handlerMs']) expect(typeof line[k]).toBe('number');
  });

  it('never changes the outcome when the log cannot be written: one stderr line instead', async () => {
    const { io } = logIo({ ...attachEnv, CNI_COMMAND: 'ADD' }, conf('1.1.0', { logFile: '/nope/l' }), new Error('open /nope/l: no such file or directory (ENOENT)'));
    const calls: string[] = [];
    expect(await runPlugin(recordingPlugin(calls), io)).toBe(0);
    expect(JSON.parse(io.stdout.join(''))).toMatchObject({ cniVersion: '1.1.0', ips: expect.any(Array) });
    expect(calls).toHaveLength(1);
    expect(io.stderr).toEqual(['test: cannot write the invocation log "/nope/l": open /nope/l: no such file or directory (ENOENT)\n']);
  });
});
