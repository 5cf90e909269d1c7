import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delegateAdd, delegateCheck, delegateDel, delegateGc, delegateStatus } from './delegate.ts';
import { PluginError, PluginNotFoundError } from './errors.ts';
import { fakeExec } from '../testing/fake-exec.ts';

let dir: string;
let record: string;

// A delegate that records its stdin and CNI_COMMAND and answers ADD with a 0.4.0 result.
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cnits-delegate-'));
  record = join(dir, 'record');
  const ipam = join(dir, 'fake-ipam');
  writeFileSync(
    ipam,
    `#!/bin/sh
{ echo "$CNI_COMMAND $CNI_CONTAINERID $CNI_IFNAME $KEEP_ME"; cat; echo; } >> "${record}"
echo "stderr of $CNI_COMMAND" >&2
case "$CNI_COMMAND" in
  ADD) echo '{"cniVersion":"0.4.0","ips":[{"version":"4","address":"10.1.0.5/16","gateway":"10.1.0.1"}],"routes":[{"dst":"0.0.0.0/0"}]}' ;;
  CHECK) echo '{"code":11,"msg":"not yet","details":"allocation pending"}'; exit 1 ;;
esac
`,
  );
  chmodSync(ipam, 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function env(command: string) {
  return { PATH: process.env.PATH, CNI_COMMAND: command, CNI_CONTAINERID: 'c1', CNI_IFNAME: 'eth0', CNI_PATH: `/nonexistent:${dir}`, KEEP_ME: 'kept' };
}

describe('delegation to a real child process', () => {
  const stdin = Buffer.from('{"cniVersion":"0.4.0","name":"net","type":"bridge","ipam":{"type":"fake-ipam"}}');

  it('delegateAdd finds the delegate in CNI_PATH, passes the whole stdin and env, and returns a 1.1.0 result', async () => {
    writeFileSync(record, '');
    const result = await delegateAdd('fake-ipam', stdin, env('ADD'));
    expect(result).toEqual({
      cniVersion: '1.1.0',
      ips: [{ address: '10.1.0.5/16', gateway: '10.1.0.1' }],
      routes: [{ dst: '0.0.0.0/0' }],
    });
    expect(readFileSync(record, 'utf8')).toBe(`ADD c1 eth0 kept\n${stdin.toString()}\n`);
  });

  it.each([
    ['DEL', delegateDel],
    ['GC', delegateGc],
    ['STATUS', delegateStatus],
  ] as const)('%s sets only CNI_COMMAND, keeping the rest of the environment', async (command, fn) => {
    writeFileSync(record, '');
    await fn('fake-ipam', stdin, env('ADD'));
    expect(readFileSync(record, 'utf8')).toBe(`${command} c1 eth0 kept\n${stdin.toString()}\n`);
  });

  it("passes the delegate's error on with its code", async () => {
    const err = await delegateCheck('fake-ipam', stdin, env('CHECK')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PluginError);
    expect(err).toMatchObject({ code: 11, msg: 'not yet', details: 'allocation pending', command: 'CHECK', pluginType: 'fake-ipam' });
  });

  it('fails when the delegate is not in CNI_PATH', async () => {
    await expect(delegateAdd('fake-ipam', stdin, { ...env('ADD'), CNI_PATH: '/nonexistent' })).rejects.toBeInstanceOf(PluginNotFoundError);
    await expect(delegateDel('fake-ipam', stdin, { CNI_COMMAND: 'DEL' })).rejects.toThrow('no paths provided');
  });
});

describe('delegateAdd result decoding', () => {
  it.each([
    ['a result without cniVersion, read in the config version (0.2.0)', '{"ip4":{"ip":"10.0.0.2/24"}}', '0.2.0', { cniVersion: '1.1.0', ips: [{ address: '10.0.0.2/24' }] }],
    ['a 1.0.0 result', '{"cniVersion":"1.0.0","ips":[{"address":"fd00::2/64"}]}', '1.0.0', { cniVersion: '1.1.0', ips: [{ address: 'fd00::2/64' }] }],
  ])('converts %s', async (_name, stdout, confVersion, expected) => {
    const fake = fakeExec({ ipam: () => ({ stdout }) });
    const stdin = Buffer.from(JSON.stringify({ cniVersion: confVersion, name: 'n', type: 'x' }));
    expect(await delegateAdd('ipam', stdin, { CNI_PATH: '/fake/bin' }, { exec: fake.exec })).toEqual(expected);
    expect(fake.calls[0]?.env.CNI_COMMAND).toBe('ADD');
  });

  it.each([
    ['empty output', ''],
    ['non-JSON output', 'ok'],
    ['an unknown result version', '{"cniVersion":"9.9.9"}'],
  ])('rejects %s with code 6', async (_name, stdout) => {
    const fake = fakeExec({ ipam: () => ({ stdout }) });
    await expect(delegateAdd('ipam', Buffer.from('{"cniVersion":"1.0.0"}'), { CNI_PATH: '/fake/bin' }, { exec: fake.exec })).rejects.toMatchObject({
      code: 6,
      msg: 'failed to decode the result of plugin "ipam" (ADD)',
    });
  });
});
