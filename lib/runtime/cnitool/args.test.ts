import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { containerIdFor, parseArgv, parseCapArgs, parseStrictCniArgs } from './args.ts';
import { UsageError } from './io.ts';

describe('parseArgv', () => {
  it.each([
    [['add', 'net', '/ns'], { verb: 'add', positionals: ['net', '/ns'], ifname: undefined }],
    [['add', '-i', 'net1', 'net', '/ns'], { verb: 'add', positionals: ['net', '/ns'], ifname: 'net1' }],
    [['add', 'net', '/ns', '--ifname', 'net2'], { verb: 'add', positionals: ['net', '/ns'], ifname: 'net2' }],
    [['--ifname=net3', 'del', 'net', '/ns'], { verb: 'del', positionals: ['net', '/ns'], ifname: 'net3' }],
    [['del', '-inet4', 'net', '/ns'], { verb: 'del', positionals: ['net', '/ns'], ifname: 'net4' }],
    [['list', '--json'], { verb: 'list', positionals: [], json: true }],
    [['--help'], { verb: undefined, help: true }],
    [['add', '--', 'net', '-odd-ns'], { verb: 'add', positionals: ['net', '-odd-ns'] }],
    [['doctor', '--fix', 'net'], { verb: 'doctor', positionals: ['net'], fix: true, forDowngrade: false }],
    [['--for-downgrade', 'doctor', '--fix'], { verb: 'doctor', positionals: [], fix: true, forDowngrade: true }],
  ])('parses %j', (argv, expected) => {
    expect(parseArgv(argv)).toMatchObject(expected);
  });

  it.each([
    [['add', '-i'], '-i needs an interface name'],
    [['add', '--bogus'], 'unknown flag --bogus'],
    [['list', '--json', '--human'], '--json and --human cannot be used together'],
    [['doctor', '--for-downgrade'], '--for-downgrade only goes with --fix'],
    [['inspect', '--fix'], '--fix and --for-downgrade are flags of doctor only'],
  ])('rejects %j', (argv, message) => {
    expect(() => parseArgv(argv)).toThrow(new UsageError(message));
  });
});

describe('parseStrictCniArgs', () => {
  it('parses K=V pairs in order', () => {
    expect(parseStrictCniArgs('IgnoreUnknown=1;K8S_POD_NAME=p')).toEqual([
      ['IgnoreUnknown', '1'],
      ['K8S_POD_NAME', 'p'],
    ]);
    expect(parseStrictCniArgs('')).toEqual([]);
  });

  it.each(['A', 'A=', '=b', 'A=b=c', 'A=b;', 'A=b;;C=d'])('rejects %j as Go cnitool does', (raw) => {
    expect(() => parseStrictCniArgs(raw)).toThrow(UsageError);
  });
});

describe('parseCapArgs', () => {
  it('parses a JSON object and rejects anything else', () => {
    expect(parseCapArgs('{"mac":"m"}')).toEqual({ mac: 'm' });
    expect(parseCapArgs('')).toBeUndefined();
    expect(() => parseCapArgs('[1]')).toThrow('CAP_ARGS must be a JSON object');
    expect(() => parseCapArgs('{')).toThrow(/CAP_ARGS is not valid JSON/);
  });
});

describe('containerIdFor', () => {
  it('hashes the absolute netns path: "cnitool-" + hex of the first 10 bytes of its SHA-512', () => {
    const expected = `cnitool-${createHash('sha512').update('/var/run/netns/test').digest('hex').slice(0, 20)}`;
    expect(containerIdFor('/var/run/netns/test', '/anywhere')).toEqual({ containerId: expected, netns: '/var/run/netns/test' });
    expect(containerIdFor('netns/../netns/test/', '/var/run')).toEqual({ containerId: expected, netns: '/var/run/netns/test' });
    expect(expected).toHaveLength('cnitool-'.length + 20);
  });
});
