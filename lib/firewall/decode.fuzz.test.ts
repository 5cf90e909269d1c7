import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { checkProperty, instanceOfAny, nastyString, nastyValue, nested, outcome, reportFuzzCases } from '../testing/fuzz.ts';
import { chainAbsent } from './iptables-output.ts';
import { parseListedRules, saveString, tokenizeSaveLine } from './iptables-save.ts';
import { parseNftListing, renderExpr } from './nft-json.ts';

// Properties of the decoders of what the firewall tools print: `nft -j` listings (any text
// gives a listing, or the SyntaxError its JSON.parse declares), iptables-save / `iptables -S`
// lines (any text gives rules; a comment quoted as iptables quotes it reads back unchanged),
// and the tools' exit status and stderr.

afterAll(() => reportFuzzCases('lib/firewall decoders'));

const statement = fc.oneof(
  fc.record({ match: fc.record({ left: fc.oneof(fc.constant({ payload: { protocol: 'ip', field: 'saddr' } }), nastyValue), op: fc.constantFrom('==', '!='), right: fc.oneof(fc.constant({ prefix: { addr: '10.1.0.0', len: 16 } }), nastyValue) }, { requiredKeys: [] }) }),
  fc.record({ jump: fc.record({ target: nastyValue }, { requiredKeys: [] }) }),
  fc.constantFrom({ masquerade: null }, { accept: null }, { counter: { packets: 0, bytes: 0 } }, {}),
  nastyValue,
);
const item = fc.oneof(
  fc.record({ chain: fc.record({ family: nastyValue, table: fc.constantFrom('cni-ts', 'nat'), name: nastyValue, type: nastyValue, hook: nastyValue }, { requiredKeys: [] }) }),
  fc.record({ rule: fc.record({ family: fc.constantFrom('ip', 'ip6', 'inet'), table: nastyValue, chain: nastyValue, handle: nastyValue, comment: nastyValue, expr: fc.oneof(fc.array(statement, { maxLength: 4 }), nastyValue) }, { requiredKeys: [] }) }),
  fc.record({ metainfo: fc.record({ version: fc.string(), json_schema_version: fc.nat() }) }),
  nastyValue,
);
const listing = fc.oneof(
  { weight: 3, arbitrary: fc.array(item, { maxLength: 5 }).map((nftables) => JSON.stringify({ nftables })) },
  { weight: 1, arbitrary: nastyValue.map((v) => JSON.stringify(v) ?? '') },
  { weight: 1, arbitrary: fc.tuple(fc.array(item, { maxLength: 3 }), fc.nat()).map(([nftables, cut]) => JSON.stringify({ nftables }).slice(0, cut)) }, // a killed nft
  { weight: 1, arbitrary: nastyString },
);

describe('nft -j listings', () => {
  it('any text gives a listing or the declared SyntaxError; rules and chains have string names', () => {
    checkProperty([listing], (text) => {
      const r = outcome(() => parseNftListing(text), instanceOfAny(SyntaxError));
      if (!('value' in r)) return;
      for (const rule of r.value.rules) {
        expect(rule.chain).toBeTypeOf('string');
        expect(rule.text).toBeTypeOf('string');
      }
      for (const chain of r.value.chains) expect(chain.name).toBeTypeOf('string');
    }, 1000);
  });

  it('a listing nested up to 20,000 levels parses (nft never nests that deep: no stack overflow either)', () => {
    checkProperty([fc.integer({ min: 1, max: 20_000 }), fc.boolean()], (depth, arrays) => {
      let v = '"x"';
      if (arrays) v = `${'['.repeat(depth)}${v}${']'.repeat(depth)}`;
      else for (let i = 0; i < depth; i++) v = `{"prefix":{"addr":${v},"len":1}}`;
      const r = parseNftListing(`{"nftables":[{"rule":{"chain":"c","expr":[{"match":{"left":${v},"op":"==","right":1}}]}}]}`);
      expect(r.rules[0]?.text).toBeTypeOf('string');
    }, 100);
  });

  it('renderExpr renders any expression list, nested up to 50 levels', () => {
    checkProperty([fc.integer({ min: 1, max: 50 }), fc.constantFrom('prefix', 'payload', 'meta')], (depth, key) => {
      let v: unknown = '10.0.0.0';
      for (let i = 0; i < depth; i++) v = { [key]: { addr: v, protocol: v, key: v, len: 8 } };
      expect(renderExpr([{ match: { left: v, op: '==', right: nested(depth) } }] as never)).toBeTypeOf('string');
    }, 100);
  });
});

describe('iptables-save lines', () => {
  it('any listing gives rules whose chain and spec come from an "-A" line', () => {
    const line = fc.oneof(nastyString, fc.tuple(fc.constantFrom('-A ', '-N ', ':', '*nat', 'COMMIT', '# '), nastyString).map(([a, b]) => a + b));
    checkProperty([fc.array(line, { maxLength: 6 })], (lines) => {
      for (const rule of parseListedRules(lines.join('\n'))) {
        expect(rule.chain).not.toMatch(/\s/);
        expect(lines.some((l) => l.trimEnd() === `-A ${rule.chain} ${rule.spec}`)).toBe(true);
      }
      for (const l of lines) tokenizeSaveLine(l);
    }, 1000);
  });

  it('a comment holding \\r, U+2028 or U+2029 reads back (found by the property below)', () => {
    for (const text of ['\r', 'a\u2028b', '\u2029 ']) {
      expect(parseListedRules(`-A X -s 10.1.0.5/32 -m comment --comment ${saveString(text)} -j MASQUERADE\n`)[0]?.comment).toBe(text);
    }
  });

  it('a comment quoted by saveString reads back unchanged, next to other arguments', () => {
    const comment = fc.string().filter((s) => !s.includes('\n'));
    checkProperty([comment, fc.stringMatching(/^[A-Z][A-Z0-9-]{0,20}$/)], (text, chain) => {
      const rules = parseListedRules(`-A ${chain} -s 10.1.0.5/32 -m comment --comment ${saveString(text)} -j MASQUERADE\n`);
      expect(rules).toHaveLength(1);
      expect(rules[0]?.comment).toBe(text);
      expect(rules[0]?.source).toBe('10.1.0.5/32');
      expect(rules[0]?.target).toBe('MASQUERADE');
    }, 1000);
  });

  it('chainAbsent judges any exit status and stderr', () => {
    checkProperty([fc.integer({ min: -1, max: 300 }), nastyString, nastyString], (exitCode, stdout, stderr) => {
      expect(chainAbsent({ exitCode, stdout, stderr } as never)).toBeTypeOf('boolean');
    }, 300);
  });
});
