import { describe, expect, it } from 'vitest';
import { pluginEnv } from './env.ts';

describe('pluginEnv', () => {
  it('adds every CNI_* variable, overriding stale inherited ones with the values of this run', () => {
    const base = { PATH: '/usr/bin', CNI_NETNS: '/stale', CNI_ARGS: 'STALE=1', UNSET: undefined };
    expect(
      pluginEnv(base, {
        command: 'ADD',
        containerId: 'c1',
        netns: '/run/netns/x',
        ifname: 'eth0',
        args: [
          ['IgnoreUnknown', '1'],
          ['K8S_POD_NAME', 'p'],
        ],
        path: ['/opt/cni/bin', '/usr/lib/cni'],
      }),
    ).toEqual({
      PATH: '/usr/bin',
      CNI_COMMAND: 'ADD',
      CNI_CONTAINERID: 'c1',
      CNI_NETNS: '/run/netns/x',
      CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=p',
      CNI_IFNAME: 'eth0',
      CNI_PATH: '/opt/cni/bin:/usr/lib/cni',
    });
  });

  it('sets the attachment variables to empty for verbs without an attachment (GC, STATUS)', () => {
    expect(pluginEnv({ CNI_CONTAINERID: 'old' }, { command: 'GC', path: ['/bin'] })).toEqual({
      CNI_COMMAND: 'GC',
      CNI_CONTAINERID: '',
      CNI_NETNS: '',
      CNI_ARGS: '',
      CNI_IFNAME: '',
      CNI_PATH: '/bin',
    });
  });
});
