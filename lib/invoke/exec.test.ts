import { describe, expect, it } from 'vitest';
import { ExecError, PluginError } from './errors.ts';
import { createExec } from './exec.ts';
import { type FakeAnswer, fakeExec, fakeSpawner } from '../testing/fake-exec.ts';

const ENV = { CNI_COMMAND: 'ADD', PATH: '/usr/bin' };

function run(answer: FakeAnswer | (() => FakeAnswer)) {
  const forwarded: string[] = [];
  const fake = fakeExec({ p: typeof answer === 'function' ? answer : () => answer }, { stderr: (c) => forwarded.push(c.toString()) });
  const promise = fake.exec.execPlugin('/fake/bin/p', Buffer.from('{"x":1}'), ENV);
  return { promise, forwarded, fake };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );
}

describe('createExec: plugin output', () => {
  it('returns stdout on exit 0, passes stdin and env through, and forwards stderr', async () => {
    const { promise, forwarded, fake } = run({ stdout: '{"cniVersion":"1.1.0"}', stderr: 'log line\n' });
    expect((await promise).toString()).toBe('{"cniVersion":"1.1.0"}');
    expect(forwarded).toEqual(['log line\n']);
    expect(fake.calls).toEqual([{ path: '/fake/bin/p', stdin: '{"x":1}', env: ENV }]);
  });

  it.each([
    [
      'the spec error JSON',
      { stdout: '{"code":11,"msg":"try later","details":"lock busy"}', stderr: 'why\n', exitCode: 1 },
      { code: 11, msg: 'try later', details: 'lock busy' },
      ['why\n'],
    ],
    [
      'the error JSON without details',
      { stdout: '{"cniVersion":"1.0.0","code":7,"msg":"bad config"}', exitCode: 1 },
      { code: 7, msg: 'bad config', details: undefined },
      [],
    ],
    [
      'stdout that is not JSON',
      { stdout: 'panic: oops', exitCode: 2 },
      {
        code: 999,
        msg: expect.stringMatching(/^netplugin failed but error parsing its diagnostic message "panic: oops": .*JSON/),
      },
      [],
    ],
    [
      'a JSON error with a wrongly typed code',
      { stdout: '{"code":"7","msg":"x"}', exitCode: 1 },
      { code: 999, msg: 'netplugin failed but error parsing its diagnostic message "{\\"code\\":\\"7\\",\\"msg\\":\\"x\\"}": "code" is not an integer' },
      [],
    ],
    [
      'empty stdout with stderr (quoted in the message, not forwarded again)',
      { stdout: '', stderr: 'boom\n', exitCode: 3 },
      { code: 999, msg: 'netplugin failed: "boom\\n": exit status 3' },
      [],
    ],
    ['no output at all', { exitCode: 1 }, { code: 999, msg: 'netplugin failed with no error message: exit status 1' }, []],
  ])('a failing plugin with %s becomes a PluginError', async (_name, answer, expected, forwardedStderr) => {
    const { promise, forwarded } = run(answer);
    const err = (await failure(promise)) as PluginError;
    expect(err).toBeInstanceOf(PluginError);
    expect({ code: err.code, msg: err.msg, details: err.details }).toMatchObject(expected);
    if (!('details' in expected)) expect(err.details).toBeUndefined();
    expect(err.pluginType).toBe('p');
    expect(err.pluginPath).toBe('/fake/bin/p');
    expect(err.command).toBe('ADD');
    expect(forwarded).toEqual(forwardedStderr);
  });
});

describe('createExec: start failures', () => {
  it('retries "text file busy" and succeeds once the binary is free', async () => {
    let n = 0;
    const { promise, fake } = run(() => (++n <= 2 ? { spawnError: 'ETXTBSY' } : { stdout: 'ok' }));
    expect((await promise).toString()).toBe('ok');
    expect(fake.calls).toHaveLength(3);
    expect(fake.sleeps).toEqual([1000, 1000]);
  });

  it('fails (unlike Go, which returns empty output) when every attempt is busy: 1 try + 5 retries', async () => {
    const { promise, fake } = run({ spawnError: 'ETXTBSY' });
    const err = (await failure(promise)) as ExecError;
    expect(err).toBeInstanceOf(ExecError);
    expect(err.reason).toBe('busy');
    expect(err.errno).toBe('ETXTBSY');
    expect(err.message).toMatch(/text file busy on all 6 attempts/);
    expect(fake.calls).toHaveLength(6);
    expect(fake.sleeps).toEqual([1000, 1000, 1000, 1000, 1000]);
  });

  it.each(['ENOENT', 'EACCES'])('does not retry %s', async (errno) => {
    const { promise, fake } = run({ spawnError: errno });
    const err = (await failure(promise)) as ExecError;
    expect(err).toMatchObject({ reason: 'spawn', errno });
    expect(fake.calls).toHaveLength(1);
  });

  it('stops retrying when cancelled during the wait', async () => {
    const controller = new AbortController();
    const exec = createExec({
      spawner: fakeSpawner({ '/p': () => ({ spawnError: 'ETXTBSY' }) }),
      stderr: false,
      sleep: async () => controller.abort(new Error('shutting down')),
    });
    const err = (await failure(exec.execPlugin('/p', Buffer.alloc(0), ENV, { signal: controller.signal }))) as ExecError;
    expect(err).toMatchObject({ reason: 'aborted' });
    expect((err.cause as Error).message).toBe('shutting down');
  });
});
