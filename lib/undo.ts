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
