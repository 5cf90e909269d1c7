import { describe, expect, it } from 'vitest';
import { pluginFailure } from './failure.ts';
import { decodeResult } from './result.ts';

// What a runtime or a delegating plugin reads back from a plugin must not overflow the stack
// however deep the plugin nests its output (issue 17): a decode error (6) naming the plugin.

const context = { pluginPath: '/opt/cni/bin/evil', pluginType: 'evil', command: 'ADD' };
const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

describe('decodeResult: nesting limit', () => {
  it('a result nested 10,000 levels deep is code 6 naming the plugin and the limit', () => {
    const out = Buffer.from(`{"cniVersion":"1.0.0","ips":${deep(10_000)}}`);
    let err: unknown;
    try {
      decodeResult(context, out, '1.0.0');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 6 });
    expect(String((err as Error).message)).toMatch(/evil/);
    expect(String((err as Error).message)).toMatch(/nested more than 128 levels/);
  });

  it('an ordinary result still decodes', () => {
    expect(decodeResult(context, Buffer.from('{"cniVersion":"1.0.0","ips":[{"address":"10.0.0.2/24"}]}'), '1.0.0')).toMatchObject({ ips: [{ address: '10.0.0.2/24' }] });
  });
});

describe('pluginFailure: nesting limit', () => {
  it('an error JSON nested 10,000 levels deep is reported as an unparsable diagnostic, not thrown', () => {
    const failure = pluginFailure(context, { stdout: Buffer.from(`{"code":7,"msg":"x","details":${deep(10_000)}}`), stderr: Buffer.from(''), exitCode: 1 });
    expect(failure.message).toMatch(/error parsing its diagnostic message/);
    expect(failure.message).toMatch(/nested more than 128 levels/);
  });
});
