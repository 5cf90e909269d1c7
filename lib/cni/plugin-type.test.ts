import { describe, expect, it } from 'vitest';
import { pluginTypeProblem, validateIpamType } from './plugin-type.ts';

describe('plugin type names (issue 17)', () => {
  it.each(['host-local', 'static', 'dhcp', 'calico-ipam', 'my_ipam.v2', 'a+b', 'x'])('accepts %j', (t) => {
    expect(pluginTypeProblem(t)).toBeUndefined();
    expect(() => validateIpamType(t)).not.toThrow();
  });

  it.each(['', '/bin/sh', 'a/b', '../host-local', '..', 'x..', 'a..b', '.', 'host-local\0x', 'host local', 'host-local\n', 'a;rm -rf /', '$(id)', '`id`', 'a|b', 'a&b', '-x', 'x'.repeat(256)])(
    'refuses %j with code 7 naming the key and the value',
    (t) => {
      expect(pluginTypeProblem(t)).toBeTypeOf('string');
      let err: unknown;
      try {
        validateIpamType(t);
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 7 });
      expect((err as Error).message).toContain(`invalid ipam.type ${JSON.stringify(t)}`);
    },
  );
});
