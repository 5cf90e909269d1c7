import { describe, expect, it } from 'vitest';
import { parseNftListing, renderExpr } from './nft-json.ts';

// Verbatim `nft -j -a list chain inet cni_plugins_masquerade masq_checks` output of nft 1.0.6.
const listed =
  '{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"chain": {"family": "inet", "table": "cni_plugins_masquerade", "name": "masq_checks", "handle": 1}}, {"rule": {"family": "inet", "table": "cni_plugins_masquerade", "chain": "masq_checks", "handle": 6, "comment": "6fd94d501e58f0aa-287fc69eff0574a2, net: unit-test, if: eth0, id: one", "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": "10.1.0.5"}}, {"match": {"op": "!=", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": {"prefix": {"addr": "10.1.0.0", "len": 16}}}}, {"masquerade": null}]}}]}';

describe('nft-json', () => {
  it('parseNftListing returns chains and rules with handle, comment and rendered text', () => {
    const l = parseNftListing(listed);
    expect(l.chains).toEqual([{ family: 'inet', table: 'cni_plugins_masquerade', name: 'masq_checks', type: undefined, hook: undefined }]);
    expect(l.rules).toEqual([
      {
        family: 'inet',
        table: 'cni_plugins_masquerade',
        chain: 'masq_checks',
        handle: 6,
        comment: '6fd94d501e58f0aa-287fc69eff0574a2, net: unit-test, if: eth0, id: one',
        text: 'ip saddr == 10.1.0.5 ip daddr != 10.1.0.0/16 masquerade',
      },
    ]);
  });
  it('renderExpr shows unknown statements as JSON rather than dropping them', () => {
    expect(renderExpr([{ goto: { target: 'x' } }, { mangle: { key: 1 } }])).toBe('goto x {"mangle":{"key":1}}');
  });

  // fuzz counterexample (lib/firewall/decode.fuzz.test.ts): 10,000 nested arrays, or 100,000
  // nested prefixes, overflowed the stack (a RangeError where the parser declares SyntaxError only)
  it('renders an expression nested deeper than nft ever nests one, cut with "…"', () => {
    let prefix = '"10.0.0.0"';
    for (let i = 0; i < 100_000; i++) prefix = `{"prefix":{"addr":${prefix},"len":8}}`;
    const arrays = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const listing = parseNftListing(`{"nftables":[{"rule":{"family":"ip","table":"t","chain":"c","handle":1,"expr":[{"match":{"left":${prefix},"op":"==","right":${arrays}}}]}}]}`);
    expect(listing.rules[0]?.text).toMatch(/^…(\/8){33} == \[{33}…\]{33}$/);
    expect(renderExpr([{ match: { left: { prefix: { addr: '10.1.0.0', len: 16 } }, op: '==', right: [1, [2]] } }])).toBe('10.1.0.0/16 == [1,[2]]');
  });

  // fuzz counterexample (lib/firewall/decode.fuzz.test.ts): String() threw a TypeError for an
  // object whose "toString" key is not a function
  it('reads a name or handle of the wrong type as its JSON or NaN, without throwing', () => {
    const listing = parseNftListing('{"nftables":[{"chain":{"family":{"toString":0},"table":"t","name":5}},{"rule":{"family":"ip","table":null,"chain":"c","handle":{"valueOf":0,"toString":0}}}]}');
    expect(listing.chains[0]).toMatchObject({ family: '{"toString":0}', table: 't', name: '5' });
    expect(listing.rules[0]).toMatchObject({ table: 'null', chain: 'c' });
    expect(listing.rules[0]?.handle).toBeNaN();
  });
});
