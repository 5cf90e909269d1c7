// Everything the e2e creates registers its undo here right after creating it; the stack runs
// in reverse order at the end, also after failures and on SIGINT/SIGTERM, and every step runs
// even when an earlier one throws.

/** One failed undo step. */
export interface CleanupFailure {
  readonly label: string;
  readonly error: unknown;
}

/** A LIFO stack of undo steps that runs once. */
export class CleanupStack {
  readonly #steps: { label: string; undo: () => void | Promise<void> }[] = [];
  #ran = false;

  /** Registers an undo step; it runs before every step registered earlier. */
  defer(label: string, undo: () => void | Promise<void>): void {
    if (this.#ran) throw new Error(`cleanup already ran; cannot defer "${label}"`);
    this.#steps.push({ label, undo });
  }

  /** Runs every step, newest first, and returns the ones that threw. Later calls do nothing. */
  async runAll(): Promise<CleanupFailure[]> {
    if (this.#ran) return [];
    this.#ran = true;
    const failures: CleanupFailure[] = [];
    for (const step of this.#steps.reverse()) {
      try {
        await step.undo();
      } catch (error) {
        failures.push({ label: step.label, error });
      }
    }
    this.#steps.length = 0;
    return failures;
  }
}
