import { describe, expect, it } from 'vitest';
import { holderScript, mountPlan, SHADOWED_DIRS, shQuote } from './node-env.ts';

describe('mountPlan', () => {
  const input = { optDir: '/s/opt', pluginDir: '/usr/lib/cni', emptyDir: '/s/empty', ctrNetDir: '/s/net.d', hasUsrLibCni: true };

  it('shadows the runtime host paths with tmpfs first', () => {
    const plan = mountPlan(input);
    expect(plan.slice(0, SHADOWED_DIRS.length)).toEqual(SHADOWED_DIRS.map((target) => ({ kind: 'tmpfs', target })));
    expect(SHADOWED_DIRS).toEqual(expect.arrayContaining(['/var/lib/cni', '/run/netns', '/run/containerd', '/run/runc']));
  });

  it('binds the plugins onto /opt/cni/bin before hiding /usr/lib/cni, then the conflist dir', () => {
    const binds = mountPlan(input).filter((s) => s.kind === 'bind');
    expect(binds).toEqual([
      { kind: 'bind', source: '/s/opt', target: '/opt' },
      { kind: 'bind', source: '/usr/lib/cni', target: '/opt/cni/bin' },
      { kind: 'bind', source: '/s/empty', target: '/usr/lib/cni' },
      { kind: 'bind', source: '/s/net.d', target: '/etc/cni/net.d' },
    ]);
  });

  it('adds the extra tmpfs mounts (cluster nodes) before any bind', () => {
    const plan = mountPlan({ ...input, extraTmpfs: ['/var/lib/containerd', '/etc/cni'] });
    const tmpfs = plan.filter((s) => s.kind === 'tmpfs').map((s) => s.target);
    expect(tmpfs.slice(-2)).toEqual(['/var/lib/containerd', '/etc/cni']);
    expect(plan.findIndex((s) => s.kind === 'bind')).toBe(tmpfs.length);
  });

  it('leaves out what the host lacks', () => {
    const { ctrNetDir: _omit, ...rest } = input;
    const targets = mountPlan({ ...rest, hasUsrLibCni: false }).map((s) => s.target);
    expect(targets).not.toContain('/usr/lib/cni');
    expect(targets).not.toContain('/etc/cni/net.d');
  });
});

describe('holderScript', () => {
  it('mounts in order with quoted paths, says ready, then sleeps', () => {
    const script = holderScript([
      { kind: 'tmpfs', target: '/var/lib/cni' },
      { kind: 'bind', source: "/tmp/it's", target: '/opt' },
    ]);
    expect(script.split('\n')).toEqual([
      'set -e',
      "mount -t tmpfs -o mode=0755 cnits-e2e '/var/lib/cni'",
      `mount --bind '/tmp/it'\\''s' '/opt'`,
      'echo ready',
      'exec sleep infinity',
    ]);
  });

  it('shQuote survives quotes', () => {
    expect(shQuote("a'b")).toBe(`'a'\\''b'`);
  });
});
