/**
 * Waiting on a condition over incoming events, with a deadline: the test
 * clients notify on every event, and `until` resolves once the condition
 * holds (no fixed sleeps).
 */

/** Conditions waiting to be re-checked. */
export class Waiters {
  #checks = new Set<() => void>();

  /** Re-checks every waiting condition (call on each event). */
  notify(): void {
    for (const check of [...this.#checks]) check();
  }

  /** Resolves when `ok()` holds; rejects after `timeoutMs` with `describe()`. */
  until(
    ok: () => boolean,
    timeoutMs: number,
    describe: () => string,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.#checks.delete(check);
      };
      const check = () => {
        if (ok()) {
          done();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(`condition not met in ${timeoutMs} ms; ${describe()}`),
        );
      }, timeoutMs);
      this.#checks.add(check);
      check();
    });
  }
}
