/**
 * Polling for a condition that another process brings about (a server's
 * snapshot, a mock's counters), with a deadline and what it waited for.
 */

/**
 * Resolves with the first value `probe` gives that is not undefined;
 * errors from `probe` (a server not listening yet, one killed) count as
 * "not yet".
 *
 * @param probe Asked every `everyMs` until it answers.
 * @param what Said in the timeout's message.
 * @param timeoutMs How long to wait.
 */
export async function eventually<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
  everyMs = 25,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${
      last ? ` (last error: ${last})` : ""
    }`,
  );
}
