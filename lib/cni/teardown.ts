import { CniError, isCniError } from './errors.ts';

// DEL and GC must be exhaustive: every step runs even when another failed, and the caller
// gets one error naming each failure. Both plugins that tear down (bridge, portmap) use these,
// so their errors read alike and a delegated plugin's CNI code survives the collection.

/** One named teardown step, started lazily (runSteps) or already running (settleSteps). */
export type TeardownStep = readonly [name: string, run: () => unknown];
export type RunningStep = readonly [name: string, running: Promise<unknown> | undefined];

/**
 * Prefixes an error with the step it failed in. A CniError stays a CniError with its code
 * (e.g. a delegated IPAM's own), so the runtime still sees what kind of failure it was.
 */
export function stepError(step: string, e: unknown): Error {
  if (isCniError(e)) return new CniError(e.code, `${step}: ${e.msg}`, e.details, { cause: e });
  return new Error(`${step}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
}

/**
 * Throws what an exhaustive teardown collected: nothing for none, a single error as itself
 * (a CniError keeps its code), several as one AggregateError naming each.
 */
export function throwCollected(label: string, errors: readonly Error[]): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length) throw new AggregateError(errors, `${label}: ${errors.map((e) => e.message).join('; ')}`);
}

/** Runs the steps one after another, every one of them, then throws the failures. */
export async function runSteps(label: string, steps: readonly TeardownStep[]): Promise<void> {
  const errors: Error[] = [];
  for (const [name, run] of steps) {
    try {
      await run();
    } catch (e) {
      errors.push(stepError(name, e));
    }
  }
  throwCollected(label, errors);
}

/**
 * Waits for steps that already run concurrently (undefined: a step with nothing to do), then
 * throws the failures.
 */
export async function settleSteps(label: string, steps: readonly RunningStep[]): Promise<void> {
  const settled = await Promise.allSettled(steps.map(([, running]) => running));
  const errors = settled.flatMap((s, i) => (s.status === 'rejected' ? [stepError(steps[i]?.[0] ?? '?', s.reason)] : []));
  throwCollected(label, errors);
}

/** Starts a step now, turning a synchronous throw into a rejection so it stops no other step. */
export function startStep(run: () => unknown): Promise<unknown> {
  try {
    return Promise.resolve(run());
  } catch (e) {
    return Promise.reject(e);
  }
}
