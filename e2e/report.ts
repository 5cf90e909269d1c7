// The e2e's output: one PASS/FAIL line per check, timed steps, and the closing
// `N passed, N failed` line that CI reads.

/** One timed step (set-up or check) for the timing table. */
export interface Timing {
  readonly label: string;
  readonly ms: number;
}

/** Where lines go; stdout in the real run, an array in tests. */
export type WriteLine = (line: string) => void;

/** Counts checks and timings and prints them as they happen. */
export class Report {
  passed = 0;
  failed = 0;
  readonly timings: Timing[] = [];
  readonly #write: WriteLine;

  constructor(write: WriteLine) {
    this.#write = write;
  }

  /** Records a passing check. */
  pass(name: string, detail = ''): void {
    this.passed += 1;
    this.#write(`PASS ${name}${detail ? ` — ${detail}` : ''}`);
  }

  /** Records a failing check. */
  fail(name: string, detail: string): void {
    this.failed += 1;
    this.#write(`FAIL ${name} — ${detail}`);
  }

  /** An informational line that is neither a pass nor a failure. */
  note(text: string): void {
    this.#write(`note: ${text}`);
  }

  /**
   * Runs one check: PASS with the returned detail, FAIL with the error's message.
   * Returns whether it passed, so later checks can depend on it.
   */
  async check(name: string, body: () => string | void | Promise<string | void>): Promise<boolean> {
    const started = performance.now();
    try {
      const detail = await body();
      const ms = this.#time(name, started);
      this.pass(name, `${detail ?? ''}${detail ? ' ' : ''}(${ms} ms)`);
      return true;
    } catch (error) {
      const ms = this.#time(name, started);
      this.fail(name, `${messageOf(error)} (${ms} ms)`);
      return false;
    }
  }

  /**
   * Runs a check that later checks depend on: PASS with `detail(value)`, or FAIL and throw
   * StepFailed so the scenario stops (its cleanup still runs).
   */
  async gate<T>(name: string, body: () => T | Promise<T>, detail: (value: T) => string = () => ''): Promise<T> {
    const started = performance.now();
    let value: T;
    try {
      value = await body();
    } catch (error) {
      const ms = this.#time(name, started);
      this.fail(name, `${messageOf(error)} (${ms} ms)`);
      throw new StepFailed(name, { cause: error });
    }
    const ms = this.#time(name, started);
    const text = detail(value);
    this.pass(name, `${text}${text ? ' ' : ''}(${ms} ms)`);
    return value;
  }

  /**
   * Runs one set-up step and times it. A step that throws becomes a FAIL line and the error
   * is rethrown, so the scenario stops (its cleanup still runs).
   */
  async step<T>(label: string, body: () => T | Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const value = await body();
      this.#time(label, started);
      return value;
    } catch (error) {
      const ms = this.#time(label, started);
      this.fail(label, `${messageOf(error)} (${ms} ms)`);
      throw new StepFailed(label, { cause: error });
    }
  }

  /** Prints the timing table, then the closing line. */
  finish(totalMs: number): void {
    this.#write('');
    this.#write('timings:');
    for (const t of this.timings) this.#write(`  ${String(t.ms).padStart(7)} ms  ${t.label}`);
    this.#write(`  ${String(Math.round(totalMs)).padStart(7)} ms  total`);
    this.#write(summaryLine(this.passed, this.failed));
  }

  #time(label: string, started: number): number {
    const ms = Math.round(performance.now() - started);
    this.timings.push({ label, ms });
    return ms;
  }
}

/** A set-up step that failed and was already reported. */
export class StepFailed extends Error {
  override name = 'StepFailed';
  constructor(label: string, options: { cause: unknown }) {
    super(`${label} failed`, options);
  }
}

/** The closing line, exactly `N passed, N failed`. */
export function summaryLine(passed: number, failed: number): string {
  return `${passed} passed, ${failed} failed`;
}

/** A one-line message for any thrown value. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message.replace(/\s*\n\s*/g, ' | ');
  return String(error);
}
