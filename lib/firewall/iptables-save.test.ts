import { describe, expect, it } from 'vitest';
import { parseListedRules, saveString, tokenizeSaveLine } from './iptables-save.ts';

const dumpLine =
  '-A POSTROUTING -s 10.203.0.2/32 -m comment --comment "name: \\"cnianchor-podnet\\" id: \\"87a3\\"" -j CNI-66d74dc85eb823645cc98db0';

describe('save-line', () => {
  it('saveString quotes like iptables-save and leaves simple words bare', () => {
    expect(saveString('name: "n" id: "c"')).toBe('"name: \\"n\\" id: \\"c\\""');
    expect(saveString('plain-word_1')).toBe('plain-word_1');
    expect(saveString("it's")).toBe('"it\\\'s"');
  });
  it('tokenizeSaveLine undoes the quoting', () => {
    expect(tokenizeSaveLine('-m comment --comment "a \\"b\\" c" -j X')).toEqual(['-m', 'comment', '--comment', 'a "b" c', '-j', 'X']);
  });
  it('parseListedRules reads chain, spec, source, target and comment of -A lines only', () => {
    const rules = parseListedRules(`-P POSTROUTING ACCEPT\n-N CNI-x\n${dumpLine}\n`);
    expect(rules).toEqual([
      {
        chain: 'POSTROUTING',
        spec: dumpLine.slice('-A POSTROUTING '.length),
        source: '10.203.0.2/32',
        target: 'CNI-66d74dc85eb823645cc98db0',
        comment: 'name: "cnianchor-podnet" id: "87a3"',
      },
    ]);
  });
});
