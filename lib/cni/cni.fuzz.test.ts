import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import bridgeJson from '../../schemas/bridge.json' with { type: 'json' };
import hostLocalJson from '../../schemas/host-local.json' with { type: 'json' };
import loopbackJson from '../../schemas/loopback.json' with { type: 'json' };
import portmapJson from '../../schemas/portmap.json' with { type: 'json' };
import { checkAsyncProperty, checkProperty, cniErrorWith, mutated, nastyString, nastyValue, nested, outcome, reportFuzzCases } from '../testing/fuzz.ts';
import { parseCniArgs, validateContainerId, validateIfname, validateNetworkName } from './args.ts';
import { parseMac } from './fields.ts';
import { type Finding, checkConfig, checkValue } from './json-schema.ts';
import { type PluginDefinition, runPlugin } from './skel.ts';
import { fakeIo } from './testing-io.ts';
import { parseValidAttachments } from './valid-attachments.ts';

// Properties of lib/cni's parsers of what a runtime hands a plugin: CNI_ARGS, the env
// values, the config checked against each plugin's JSON Schema. Any input gives a value or a
// CniError with a spec code (7 for config, 4 for env), never a TypeError or a stack overflow.

afterAll(() => reportFuzzCases('lib/cni (args, json-schema)'));

const SCHEMAS = { bridge: bridgeJson, 'host-local': hostLocalJson, loopback: loopbackJson, portmap: portmapJson } as const;

/** A CNI_ARGS string built from pieces that matter: separators, "=", spaces, known keys. */
const cniArgsText = fc.oneof(
  fc.string(),
  fc
    .array(fc.oneof(fc.constantFrom('IP', 'MAC', 'K8S_POD_NAME', 'IgnoreUnknown', '', ' ', '=', ';', '==', '1', 'true'), nastyString), { maxLength: 12 })
    .map((parts) => parts.join('')),
);

describe('CNI_ARGS', () => {
  it('parses any string without throwing; every pair is trimmed, keyed and found by get()', () => {
    checkProperty([fc.option(cniArgsText, { nil: undefined })], (raw) => {
      const args = parseCniArgs(raw);
      for (const [k, v] of args.pairs) {
        expect(k).not.toBe('');
        expect(k).toBe(k.trim());
        expect(v).toBe(v.trim());
        expect(k.includes(';') || v.includes(';')).toBe(false);
        expect(args.get(k)).toBeTypeOf('string');
      }
    }, 1000);
  });

  it('round trips pairs without separators: the last duplicate wins', () => {
    const key = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,10}$/);
    const value = fc.stringMatching(/^[^;\s]([^;]*[^;\s])?$/);
    checkProperty([fc.array(fc.tuple(key, value), { maxLength: 8 })], (pairs) => {
      const args = parseCniArgs(pairs.map(([k, v]) => `${k}=${v}`).join(';'));
      expect(args.pairs).toEqual(pairs);
      for (const [k] of pairs) expect(args.get(k)).toBe(pairs.findLast((p) => p[0] === k)?.[1]);
    }, 500);
  });

  it('env values (container id, ifname) give a value or code 4, network names code 7', () => {
    checkProperty([nastyString], (s) => {
      outcome(() => validateContainerId(s), cniErrorWith(4));
      outcome(() => validateIfname(s), cniErrorWith(4));
      outcome(() => parseMac(s, 'CNI_ARGS MAC'), cniErrorWith(7));
    }, 1000);
    checkProperty([nastyValue], (v) => void outcome(() => validateNetworkName(v), cniErrorWith(7)), 1000);
  });

  it('an accepted ifname is what the kernel takes: 1-15 bytes, no "/", ":", whitespace', () => {
    checkProperty([nastyString], (s) => {
      const r = outcome(() => validateIfname(s), cniErrorWith(4));
      if ('value' in r) {
        expect(Buffer.byteLength(s)).toBeGreaterThan(0);
        expect(Buffer.byteLength(s)).toBeLessThanOrEqual(15);
        expect(s).not.toMatch(/[/:\s]/);
      }
    }, 500);
  });
});

/** A config that passes every schema: the keys each plugin knows, with valid values. */
const validConfig = fc.record({
  cniVersion: fc.constantFrom('0.3.1', '0.4.0', '1.0.0', '1.1.0'),
  name: fc.constantFrom('net', 'mynet'),
  type: fc.constantFrom('bridge', 'host-local', 'portmap', 'loopback'),
  bridge: fc.constant('cni0'),
  mtu: fc.integer({ min: 0, max: 65535 }),
  vlanTrunk: fc.constant([{ id: 5 }, { minID: 10, maxID: 20 }]),
  ipam: fc.constant({ type: 'host-local', ranges: [[{ subnet: '10.1.0.0/16', gateway: '10.1.0.1' }]], routes: [{ dst: '0.0.0.0/0' }] }),
  runtimeConfig: fc.constant({ portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }], mac: '0a:58:0a:01:00:05' }),
  args: fc.constant({ cni: { mac: '0a:58:0a:01:00:06', ips: ['10.1.0.9'] } }),
  dns: fc.constant({ nameservers: ['10.1.0.53'] }),
});

describe('checkConfig against every plugin schema', () => {
  for (const [plugin, schema] of Object.entries(SCHEMAS)) {
    it(`${plugin}: any JSON value, and valid configs with mutated fields, give the value or code 7`, () => {
      checkProperty([fc.oneof(nastyValue, mutated(validConfig), fc.anything({ maxDepth: 3 }))], (config) => {
        const r = outcome(() => checkConfig(schema, config), cniErrorWith(7));
        if ('error' in r) expect((r.error as Error).message).toMatch(/^(invalid|missing) /);
      }, 500);
    });
  }

  it('checkValue (cnitool validate) reports findings for any JSON, never throws', () => {
    checkProperty([fc.oneof(nastyValue, mutated(validConfig))], (config) => {
      for (const schema of Object.values(SCHEMAS)) {
        const out: Finding[] = [];
        checkValue(config, schema, '', out);
        for (const f of out) expect(f.message).not.toBe('');
      }
    }, 300);
  });

  it('nesting up to 50 levels in any key is a value or code 7', () => {
    checkProperty([fc.integer({ min: 1, max: 50 }), fc.constantFrom('ipam', 'runtimeConfig', 'dns', 'vlanTrunk', 'args', 'capabilities', 'prevResult')], (depth, key) => {
      for (const schema of Object.values(SCHEMAS)) outcome(() => checkConfig(schema, { name: 'n', type: 't', [key]: nested(depth) }), cniErrorWith(7));
    }, 100);
  });
});

describe('cni.dev/valid-attachments (GC)', () => {
  it('gives a list or code 7 for any value', () => {
    checkProperty([fc.oneof(nastyValue, fc.array(fc.record({ containerID: nastyString, ifname: nastyString }, { requiredKeys: [] }), { maxLength: 4 }))], (list) => {
      outcome(() => parseValidAttachments({ name: 'n', cniVersion: '1.1.0', 'cni.dev/valid-attachments': list }), cniErrorWith(6, 7));
    }, 500);
  });
});

/** A plugin whose handlers check their config as the real ones do, and succeed. */
const checkingPlugin: PluginDefinition = {
  name: 'fuzz',
  handlers: {
    add: async (req) => {
      checkConfig(bridgeJson, req.config);
      return { cniVersion: '1.1.0', ips: [{ address: '10.1.0.5/16' }] };
    },
    del: async (req) => void checkConfig(bridgeJson, req.config),
    check: async (req) => void checkConfig(bridgeJson, req.config),
    gc: async (req) => void checkConfig(bridgeJson, req.config),
    status: async (req) => void checkConfig(bridgeJson, req.config),
  },
};

/** Runs the plugin; asserts the exit code and stdout are the protocol's, and returns the error code (0: success). */
async function invoke(env: Record<string, string | undefined>, stdin: string): Promise<number> {
  const io = fakeIo(env, stdin);
  const exit = await runPlugin(checkingPlugin, io);
  const out = io.stdout.join('');
  if (exit === 0) return 0;
  expect(exit).toBe(1);
  const err = JSON.parse(out) as { code: number; msg: string };
  expect(SPEC_CODES_NO_999).toContain(err.code);
  expect(err.msg).not.toBe('');
  return err.code;
}

/** Bad input never deserves 999 (common rules: the right code, an actionable message). */
const SPEC_CODES_NO_999 = [1, 2, 3, 4, 5, 6, 7, 11, 50, 51];

describe('skel: the whole invocation with any env and stdin', () => {
  const env = fc.record({
    CNI_COMMAND: fc.oneof(fc.constantFrom('ADD', 'DEL', 'CHECK', 'GC', 'STATUS', 'VERSION', 'add', ''), nastyString),
    CNI_CONTAINERID: fc.oneof(fc.constant('c1'), nastyString),
    CNI_NETNS: fc.oneof(fc.constant('/run/netns/none'), nastyString),
    CNI_IFNAME: fc.oneof(fc.constant('eth0'), nastyString),
    CNI_ARGS: cniArgsText,
    CNI_PATH: fc.constantFrom('/opt/cni/bin', ''),
  }, { requiredKeys: [] });
  const stdin = fc.oneof(
    { weight: 3, arbitrary: mutated(validConfig).map((v) => JSON.stringify(v) ?? '') },
    { weight: 1, arbitrary: nastyValue.map((v) => JSON.stringify(v) ?? '') },
    { weight: 1, arbitrary: nastyString },
  );

  it('exits 0, or 1 with a spec error JSON whose code is not 999', async () => {
    await checkAsyncProperty([env, stdin], async (e, s) => void (await invoke(e, s)), 1000);
  });

  // Regression test for issue 17: "a deeply nested JSON value overflows the stack".
  it('a config nested 10,000 levels inside ranges, ipam or portMappings is code 6', async () => {
    const where = fc.constantFrom('ipam', 'dns', 'runtimeConfig', 'vlanTrunk');
    await checkAsyncProperty([where, fc.integer({ min: 10_000, max: 20_000 })], async (key, depth) => {
      const stdin = `{"cniVersion":"1.1.0","name":"n","type":"bridge","${key}":${'['.repeat(depth)}${']'.repeat(depth)}}`;
      expect(await invoke({ CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_NETNS: '/run/netns/none', CNI_IFNAME: 'eth0' }, stdin)).toBe(6);
    }, 5);
  });
});
