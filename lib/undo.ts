/**
 * A LIFO stack of compensations for an ADD: each step pushes how to undo itself right after it
 * succeeds; on failure the stack unwinds in reverse, so a failed ADD leaves nothing behind.
 * Undo errors never hide the original failure: they are collected on the returned list.
 */
export class UndoStack {
  private readonly steps: { label: string; undo: () => unknown }[] = [];

  /** Registers how to undo a step that just succeeded. */
  push(label: string, undo: () => unknown): void {
    this.steps.push({ label, undo });
  }

  /** Forgets every step: the operation succeeded and its effects stay. */
  commit(): void {
    this.steps.length = 0;
  }

  /** Runs every compensation, newest first, and returns the ones that failed. */
  async unwind(): Promise<Error[]> {
    const errors: Error[] = [];
    while (this.steps.length) {
      const step = this.steps.pop();
      if (!step) break;
      try {
        await step.undo();
      } catch (e) {
        errors.push(new Error(`undo ${step.label}: ${(e as Error)?.message ?? String(e)}`, { cause: e }));
      }
    }
    return errors;
  }
}

/**
 * Runs every teardown step even when some fail (DEL and GC must be exhaustive), then throws
 * the failures, each prefixed with its step's name, as {@link throwCollected} does.
 */
export async function runAll(label: string, steps: readonly (readonly [string, () => unknown])[]): Promise<void> {
  const errors: Error[] = [];
  for (const [name, step] of steps) {
    try {
      await step();
    } catch (e) {
      // a protocol error (numeric code, e.g. a delegated IPAM's) travels as itself to keep its
      // code; anything else is named after its step
      const coded = e instanceof Error && typeof (e as Error & { code?: unknown }).code === 'number';
      errors.push(coded ? (e as Error) : new Error(`${name}: ${(e as Error)?.message ?? String(e)}`, { cause: e }));
    }
  }
  throwCollected(label, errors);
}

/**
 * Throws what an exhaustive teardown collected: nothing for none, a single error as itself
 * (a CniError keeps its code), several as one AggregateError naming each.
 */
export function throwCollected(label: string, errors: readonly Error[]): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length) throw new AggregateError(errors, `${label}: ${errors.map((e) => e.message).join('; ')}`);
}
