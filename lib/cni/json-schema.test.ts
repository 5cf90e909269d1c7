import { describe, expect, it } from 'vitest';
import bridge from '../../schemas/bridge.json' with { type: 'json' };
import hostLocal from '../../schemas/host-local.json' with { type: 'json' };
import loopback from '../../schemas/loopback.json' with { type: 'json' };
import portmap from '../../schemas/portmap.json' with { type: 'json' };
import { CniError } from './errors.ts';
import { type Finding, SUPPORTED_KEYWORDS, checkConfig, checkValue, closestKey, expectation } from './json-schema.ts';

function check(value: unknown, schema: Record<string, unknown> = bridge): Finding[] {
  const out: Finding[] = [];
  checkValue(value, schema, 'plugins[0]', out);
  return out;
}

function keywords(schema: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) schema.forEach((s) => keywords(s, found));
  else if (typeof schema === 'object' && schema !== null) {
    for (const [k, v] of Object.entries(schema)) {
      found.add(k);
      if (k === 'properties' || k === '$defs') Object.values(v as object).forEach((s) => keywords(s, found));
      else if (k !== 'enum' && k !== 'required') keywords(v, found);
    }
  }
  return found;
}

describe('checkValue', () => {
  it.each([['bridge', bridge], ['host-local', hostLocal], ['loopback', loopback], ['portmap', portmap]])('understands every keyword of schemas/%s.json', (_, schema) => {
    expect([...keywords(schema)].filter((k) => !SUPPORTED_KEYWORDS.has(k))).toEqual([]);
  });

  it('accepts a good configuration, with the CNI keys and null as absent', () => {
    const conf = { cniVersion: '1.1.0', name: 'n', type: 'bridge', bridge: 'cni0', isGateway: true, mtu: null, capabilities: { mac: true }, vlanTrunk: [{ id: 5 }], ipam: { type: 'host-local', subnet: 'x' } };
    expect(check(conf)).toEqual([]);
  });

  it('reports a wrong type or range with the key path, the value and what was expected', () => {
    expect(check({ type: 'bridge', vlan: 5000, isGateway: 'yes', vlanTrunk: [{ minID: 0 }], ipMasqBackend: 'pf' }).map((f) => [f.severity, f.message])).toEqual([
      ['error', 'invalid plugins[0].vlan 5000: expected an integer from 0 to 4094'],
      ['error', 'invalid plugins[0].isGateway "yes": expected true or false'],
      ['error', 'invalid plugins[0].vlanTrunk[0].minID 0: expected an integer from 1 to 4094'],
      ['error', 'invalid plugins[0].ipMasqBackend "pf": expected one of "iptables", "nftables"'],
    ]);
  });

  it('warns about a key the plugin does not know, naming the likely one', () => {
    expect(check({ type: 'bridge', isGatway: true, hairpinmode: true, frobnicate: 1 })).toEqual([
      { severity: 'warning', path: 'plugins[0].isGatway', message: 'unknown key plugins[0].isGatway (did you mean "isGateway"?): the plugin ignores it' },
      { severity: 'warning', path: 'plugins[0].hairpinmode', message: 'unknown key plugins[0].hairpinmode (did you mean "hairpinMode"?): the plugin ignores it' },
      { severity: 'warning', path: 'plugins[0].frobnicate', message: 'unknown key plugins[0].frobnicate: the plugin ignores it' },
    ]);
  });

  it('checks nested sections and reports a missing required key, in the words the plugin uses', () => {
    expect(check({ type: 'host-local', ranges: [[{ gateway: '10.0.0.1' }], []], dataDir: 5 }, hostLocal).map((f) => f.message)).toEqual([
      'missing plugins[0].ranges[0][0].subnet: expected a CIDR string such as "10.1.0.0/16"',
      'invalid plugins[0].ranges[1] []: expected a non-empty array of ranges',
      'invalid plugins[0].dataDir 5: expected a path (a string without NUL)',
    ]);
  });

  it('refuses a schema it cannot judge', () => {
    expect(() => check({}, { type: 'object', oneOf: [] })).toThrow('unsupported JSON Schema keyword "oneOf"');
  });
});

describe('closestKey', () => {
  it.each([
    ['isGatway', 'isGateway'],
    ['ipmasq', 'ipMasq'],
    ['mut', 'mtu'],
    ['vlanTrunks', 'vlanTrunk'],
    ['zzz', undefined],
    ['dns2', 'dns'],
  ])('%s -> %s', (key, expected) => {
    expect(closestKey(key, Object.keys(bridge.properties))).toBe(expected);
  });
});

describe('expectation', () => {
  it('says what the keywords say, unless the schema has its own words for the keyword that failed', () => {
    expect(expectation({ type: 'array', minItems: 1 }, 'minItems')).toBe('a JSON array of at least 1 item(s)');
    expect(expectation({ type: 'integer', 'x-expected': 'a port' }, 'minimum')).toBe('a port');
    const rangeSet = { type: 'array', minItems: 1, 'x-expected': 'an array of ranges', 'x-expected-minItems': 'a non-empty array of ranges' };
    expect([expectation(rangeSet, 'type'), expectation(rangeSet, 'minItems')]).toEqual(['an array of ranges', 'a non-empty array of ranges']);
  });
});

describe('checkConfig', () => {
  function failure(value: unknown, schema: Record<string, unknown> = bridge, prefix?: string): [string, string | undefined] {
    try {
      checkConfig(schema, value, prefix);
    } catch (e) {
      if (e instanceof CniError) return [e.msg, e.details];
      throw e;
    }
    throw new Error('no error');
  }

  it('returns the value without its null keys, accepting unknown keys', () => {
    expect(checkConfig(bridge, { type: 'bridge', mtu: null, vlanTrunk: [{ id: 5, minID: null }], frobnicate: 1 })).toEqual({ type: 'bridge', vlanTrunk: [{ id: 5 }], frobnicate: 1 });
  });

  it('reports the first problem in the order of the schema\'s keys, as code 7', () => {
    expect(failure({ vlan: 5000, type: 'bridge', isGateway: 'yes' })).toEqual(['invalid isGateway "yes"', 'expected true or false']);
    expect(failure({ type: 'bridge', capabilities: { mac: 1 } })).toEqual(['invalid capabilities.mac 1', 'expected true or false']);
    expect(failure({ type: 'bridge', vlanTrunk: [{ id: 1 }, 7] })).toEqual(['invalid vlanTrunk[1] 7', 'expected {"id": N} or {"minID": N, "maxID": M}']);
    expect(failure([], bridge)).toEqual(['invalid configuration []', 'expected a JSON object']);
  });

  it('counts null as absent for a required key, and names the path under a prefix', () => {
    expect(failure({ type: null })).toEqual(['missing type', 'expected a string']);
    expect(failure({ containerPort: 80 }, portmap.$defs.portMapping, 'runtimeConfig.portMappings[2]')).toEqual(['missing runtimeConfig.portMappings[2].hostPort', 'expected a port from 1 to 65535']);
    expect(failure({ ranges: [[]] }, hostLocal, 'ipam')).toEqual(['invalid ipam.ranges[0] []', 'expected a non-empty array of ranges']);
  });
});
