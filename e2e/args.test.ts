import { describe, expect, it } from 'vitest';
import { parseArgs } from './args.ts';

describe('parseArgs', () => {
  it('defaults to dist/bin of the working directory, both runtimes, cniVersion 1.0.0 and ipMasq', () => {
    expect(parseArgs([], '/repo')).toEqual({
      plugins: '/repo/dist/bin',
      runtimes: ['podman', 'containerd'],
      cniVersion: '1.0.0',
      ipMasq: true,
      keepState: false,
      cluster: false,
      churn: 150,
      churnParallel: 6,
      help: false,
    });
  });

  it('resolves --plugins against the working directory, in both spellings', () => {
    expect(parseArgs(['--plugins', 'x/bin'], '/repo').plugins).toBe('/repo/x/bin');
    expect(parseArgs(['--plugins=/usr/lib/cni'], '/repo').plugins).toBe('/usr/lib/cni');
  });

  it('keeps --only runtimes in order without duplicates', () => {
    expect(parseArgs(['--only', 'containerd', '--only', 'podman', '--only', 'containerd']).runtimes).toEqual(['containerd', 'podman']);
  });

  it('reads the switches', () => {
    const o = parseArgs(['--no-ip-masq', '--keep-state', '--cni-version', '0.4.0']);
    expect([o.ipMasq, o.keepState, o.cniVersion]).toEqual([false, true, '0.4.0']);
    expect(parseArgs(['-h']).help).toBe(true);
  });

  it('reads the cluster options', () => {
    const o = parseArgs(['--cluster', '--churn', '30', '--churn-parallel=3']);
    expect([o.cluster, o.churn, o.churnParallel]).toEqual([true, 30, 3]);
  });

  it.each([
    [['--cluster', '--only', 'podman'], /--cluster and --only/],
    [['--churn', 'many'], /--churn takes an integer of at least 0/],
    [['--churn-parallel', '0'], /--churn-parallel takes an integer of at least 1/],
    [['--bogus'], /unknown argument --bogus/],
    [['--plugins'], /--plugins needs a value/],
    [['--only', 'docker'], /--only takes podman or containerd/],
    [['--cni-version', '1.0'], /not a version/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });
});
