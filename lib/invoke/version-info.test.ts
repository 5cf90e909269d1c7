import { describe, expect, it } from 'vitest';
import { CniError } from '../cni/index.ts';
import { fakeExec } from '../testing/fake-exec.ts';
import { decodeVersionInfo, getVersionInfo } from './version-info.ts';

describe('decodeVersionInfo', () => {
  it.each([
    ['{"cniVersion":"1.1.0","supportedVersions":["0.4.0","1.0.0"]}', { cniVersion: '1.1.0', supportedVersions: ['0.4.0', '1.0.0'] }],
    ['{"cniVersion":"0.2.0"}', { cniVersion: '0.2.0', supportedVersions: ['0.1.0', '0.2.0'] }],
    ['{"cniVersion":"0.2.0","supportedVersions":[]}', { cniVersion: '0.2.0', supportedVersions: ['0.1.0', '0.2.0'] }],
  ])('decodes %s', (text, expected) => {
    expect(decodeVersionInfo(Buffer.from(text))).toEqual(expected);
  });

  it.each([
    ['{"supportedVersions":["1.0.0"]}', 'decoding version info: missing field cniVersion'],
    ['{"cniVersion":"1.0.0"}', 'decoding version info: missing field supportedVersions'],
    ['{"cniVersion":"1.0.0","supportedVersions":[1]}', 'decoding version info: supportedVersions must be an array of strings'],
    ['[]', 'decoding version info: it is not a JSON object'],
  ])('rejects %s', (text, message) => {
    expect(() => decodeVersionInfo(Buffer.from(text))).toThrow(message);
  });
});

describe('getVersionInfo', () => {
  it('sends what libcni sends: stdin {"cniVersion":"1.1.0"} and dummy netns, ifname and path', async () => {
    const fake = fakeExec({ p: () => ({ stdout: '{"cniVersion":"1.1.0","supportedVersions":["1.0.0"]}' }) });
    const info = await getVersionInfo(fake.exec, '/fake/bin/p', { env: { HOME: '/root' } });
    expect(info.supportedVersions).toEqual(['1.0.0']);
    expect(fake.calls[0]?.stdin).toBe('{"cniVersion":"1.1.0"}');
    expect(fake.calls[0]?.env).toEqual({
      HOME: '/root',
      CNI_COMMAND: 'VERSION',
      CNI_CONTAINERID: '',
      CNI_NETNS: 'dummy',
      CNI_ARGS: '',
      CNI_IFNAME: 'dummy',
      CNI_PATH: 'dummy',
    });
  });

  it('takes "unknown CNI_COMMAND: VERSION" to mean a pre-0.2 plugin that supports 0.1.0 only', async () => {
    const fake = fakeExec({ p: () => ({ stdout: '{"code":4,"msg":"unknown CNI_COMMAND: VERSION"}', exitCode: 1 }) });
    expect(await getVersionInfo(fake.exec, '/fake/bin/p', { env: {} })).toEqual({ cniVersion: '0.1.0', supportedVersions: ['0.1.0'] });
  });

  it('passes other failures on, and reports an undecodable answer as code 6', async () => {
    const failing = fakeExec({ p: () => ({ stdout: '{"code":999,"msg":"broken"}', exitCode: 1 }) });
    await expect(getVersionInfo(failing.exec, '/fake/bin/p', { env: {} })).rejects.toMatchObject({ code: 999, msg: 'broken' });
    const garbage = fakeExec({ p: () => ({ stdout: 'hello' }) });
    const err = await getVersionInfo(garbage.exec, '/fake/bin/p', { env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CniError);
    expect(err).toMatchObject({ code: 6, msg: 'failed to decode the version answer of plugin "p" (VERSION)' });
  });
});
