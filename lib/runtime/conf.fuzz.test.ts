import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { checkProperty, instanceOfAny, mutated, nastyString, nastyValue, outcome, reportFuzzCases } from '../testing/fuzz.ts';
import { type CacheEntry, decodeCache, encodeCacheEntry } from './cache-format.ts';
import { confListFromConf, networkConfFromBytes, networkConfigFromBytes, pluginConfFromBytes } from './conf.ts';
import { ConfError } from './errors.ts';

// Properties of what the runtime library reads from disk: network configuration files (any
// bytes give a configuration or a ConfError, libcni's messages) and result cache files (any
// bytes decode to an entry, a legacy result or "corrupt" with a reason; never an exception).

afterAll(() => reportFuzzCases('lib/runtime (conf, cache-format)'));

const validList = fc.record({
  cniVersion: fc.constantFrom('0.3.1', '0.4.0', '1.0.0', '1.1.0', ''),
  cniVersions: fc.array(fc.constantFrom('0.4.0', '1.0.0', '1.1.0', '1.2.0', '2.0.0'), { maxLength: 3 }),
  name: fc.constantFrom('net', 'ñet', ''),
  disableCheck: fc.constantFrom(true, false, 'true', 'FALSE'),
  disableGC: fc.boolean(),
  loadOnlyInlinedPlugins: fc.boolean(),
  plugins: fc.array(fc.record({ type: fc.constantFrom('bridge', 'portmap'), capabilities: fc.dictionary(fc.constantFrom('portMappings', 'mac', 'ips'), fc.boolean()), ipam: fc.constant({ type: 'host-local' }) }, { requiredKeys: ['type'] }), { minLength: 1, maxLength: 3 }),
}, { requiredKeys: ['name'] });

/** Bytes of a config file: JSON of anything, a mutated valid list, or raw (maybe not UTF-8) bytes. */
const configBytes = fc.oneof(
  { weight: 3, arbitrary: mutated(validList).map((v) => Buffer.from(JSON.stringify(v) ?? '')) },
  { weight: 1, arbitrary: nastyValue.map((v) => Buffer.from(JSON.stringify(v) ?? 'undefined')) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: nastyString.map((s) => Buffer.from(s)) },
);

const confError = instanceOfAny(ConfError);

describe('network configuration files', () => {
  it('a conflist gives a NetworkConfigList or a ConfError', () => {
    checkProperty([configBytes], (bytes) => {
      const r = outcome(() => networkConfFromBytes(bytes), confError);
      if ('value' in r) {
        expect(r.value.cniVersion).toMatch(/^\d+\.\d+\.\d+$/);
        for (const p of r.value.plugins) expect(p.type).toBeTypeOf('string');
      }
    }, 1000);
  });

  it('a legacy .conf gives a NetworkConfig or a ConfError, and its up-converted list reads back', () => {
    checkProperty([fc.oneof(configBytes, mutated(validList.map((l) => ({ ...(l.plugins?.[0] ?? { type: 'bridge' }), cniVersion: l.cniVersion, name: l.name }))).map((v) => Buffer.from(JSON.stringify(v) ?? '')))], (bytes) => {
      outcome(() => pluginConfFromBytes(bytes), confError);
      const r = outcome(() => networkConfigFromBytes(bytes), confError);
      if ('value' in r) {
        const list = outcome(() => confListFromConf(r.value), confError);
        if ('value' in list) expect(list.value.plugins).toHaveLength(1);
      }
    }, 1000);
  });
});

describe('nesting', () => {
  it('a conf or conflist nested up to 5,000 levels gives a configuration or a ConfError, and up-converts', () => {
    checkProperty([fc.integer({ min: 1, max: 5000 }), fc.boolean()], (depth, list) => {
      const deep = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const text = list ? `{"name":"n","plugins":[{"type":"x","a":${deep}}]}` : `{"type":"x","name":"n","a":${deep}}`;
      if (list) outcome(() => networkConfFromBytes(Buffer.from(text)), confError);
      else {
        const r = outcome(() => networkConfigFromBytes(Buffer.from(text)), confError);
        if ('value' in r) confListFromConf(r.value);
      }
    }, 200);
  });
});

const entry: fc.Arbitrary<CacheEntry> = fc.record({
  containerId: fc.string(),
  config: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  ifName: fc.string(),
  networkName: fc.string(),
  netns: fc.option(fc.string(), { nil: undefined }),
  cniArgs: fc.option(fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 3 }), { nil: undefined }),
  capabilityArgs: fc.option(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })), { nil: undefined }),
  result: fc.option(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })), { nil: undefined }),
});

describe('result cache files', () => {
  it('any text decodes to an entry, a legacy result or "corrupt" with a reason, never an exception', () => {
    const text = fc.oneof(
      fc.string(),
      nastyValue.map((v) => JSON.stringify(v) ?? ''),
      mutated(entry.map((e) => JSON.parse(encodeCacheEntry(e)) as unknown)).map((v) => JSON.stringify(v) ?? ''),
      fc.tuple(entry, fc.nat()).map(([e, cut]) => encodeCacheEntry(e).slice(0, cut)), // truncated by a power loss
    );
    checkProperty([text], (t) => {
      const d = decodeCache(t);
      if (d.kind === 'corrupt') expect(d.reason).not.toBe('');
    }, 1000);
  });

  it('an entry round trips through its file format', () => {
    checkProperty([entry], (e) => {
      const d = decodeCache(encodeCacheEntry(e));
      expect(d.kind).toBe('v1');
      if (d.kind !== 'v1') return;
      expect(d.entry.containerId).toBe(e.containerId);
      expect(d.entry.ifName).toBe(e.ifName);
      expect(d.entry.networkName).toBe(e.networkName);
      expect(d.entry.config.equals(e.config)).toBe(true);
      expect(d.entry.netns).toBe(e.netns || undefined);
      expect(d.entry.cniArgs ?? []).toEqual(e.cniArgs ?? []);
    }, 500);
  });
});
