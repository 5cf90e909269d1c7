import { describe, expect, it } from 'vitest';
import { CniError, ErrorCode } from './errors.ts';
import { runSteps, settleSteps, startStep, stepError, throwCollected } from './teardown.ts';

describe('runSteps', () => {
  it('runs every step in order and reports all failures at once, each named', async () => {
    const seen: string[] = [];
    const p = runSteps('teardown', [
      ['one', () => { throw new Error('x'); }],
      ['two', () => seen.push('two')],
      ['three', () => Promise.reject(new Error('y'))],
    ]);
    await expect(p).rejects.toThrow('teardown: one: x; three: y');
    expect(seen).toEqual(['two']);
  });
  it('throws a single failure named after its step, and resolves when all succeed', async () => {
    await expect(runSteps('t', [['only', () => { throw new Error('z'); }]])).rejects.toThrow(/^only: z$/);
    await expect(runSteps('t', [['ok', () => 1]])).resolves.toBeUndefined();
  });
  it('keeps the code of a CNI error (a delegated IPAM plugin’s) under the step name', async () => {
    const p = runSteps('t', [['ipam', () => Promise.reject(new CniError(11, 'busy', 'try later'))]]);
    await expect(p).rejects.toMatchObject({ name: 'CniError', code: 11, msg: 'ipam: busy', details: 'try later' });
  });
});

describe('settleSteps', () => {
  it('waits for every running step, skips absent ones, and names each failure', async () => {
    let slowDone = false;
    const slow = new Promise((r) => setTimeout(r, 20)).then(() => { slowDone = true; });
    const p = settleSteps('bridge DEL', [
      ['fails', startStep(() => { throw new Error('boom'); })],
      ['nothing to do', undefined],
      ['slow', slow],
      ['coded', Promise.reject(new CniError(ErrorCode.InvalidConfig, 'bad'))],
    ]);
    await expect(p).rejects.toThrow('bridge DEL: fails: boom; coded: bad');
    expect(slowDone).toBe(true);
  });
  it('resolves when nothing failed', async () => {
    await expect(settleSteps('t', [['a', Promise.resolve(1)], ['b', undefined]])).resolves.toBeUndefined();
  });
});

describe('stepError and throwCollected', () => {
  it('prefixes plain errors and keeps the cause', () => {
    const cause = new Error('gone');
    const e = stepError('unlink', cause);
    expect(e.message).toBe('unlink: gone');
    expect(e.cause).toBe(cause);
    expect(stepError('x', 'text').message).toBe('x: text');
  });
  it('throws nothing for none, one error as itself, several as one AggregateError', () => {
    expect(() => throwCollected('t', [])).not.toThrow();
    const only = new Error('one');
    expect(() => throwCollected('t', [only])).toThrow(only);
    let caught: unknown;
    try {
      throwCollected('t', [new Error('a'), new Error('b')]);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AggregateError);
    expect((caught as AggregateError).message).toBe('t: a; b');
    expect((caught as AggregateError).errors).toHaveLength(2);
  });
});
