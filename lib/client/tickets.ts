/**
 * Tickets: browsers cannot set headers on WebSocket or SSE, so a client
 * of a server that needs credentials fetches a short-lived ticket before
 * each connection and puts it in the URL.
 *
 * @module
 */

/**
 * Runs `open` with a fresh ticket (or none when the server needs none),
 * unless the connection stopped being wanted while the ticket was fetched.
 *
 * @param getTicket Fetches a ticket; absent when no credentials are needed.
 * @param options `wanted` is asked after the fetch; `open` and `fail` receive the outcome.
 */
export function withTicket(
  getTicket: (() => Promise<string>) | undefined,
  options: {
    wanted: () => boolean;
    open: (query: Record<string, string>) => void;
    fail: (message: string) => void;
  },
): void {
  const { wanted, open, fail } = options;
  if (!getTicket) return open({});
  getTicket().then(
    (ticket) => {
      if (wanted()) open({ ticket });
    },
    (error) => {
      if (wanted()) {
        fail(error instanceof Error ? error.message : String(error));
      }
    },
  );
}
