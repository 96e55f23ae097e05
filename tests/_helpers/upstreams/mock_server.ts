/**
 * The frame every upstream mock runs in: a real HTTP server on 127.0.0.1,
 * counting requests, with faults that can be switched on (hang, a status
 * with headers and body, a body that is not JSON) and a stop/start that
 * keeps the port, so a test can take an upstream away and bring it back.
 */

/** A fault the mock answers with instead of its normal behaviour. */
export type Fault =
  | { kind: "hang" }
  | {
    kind: "status";
    status: number;
    headers?: Record<string, string>;
    body?: unknown;
  }
  | { kind: "malformed" };

/** A running mock. */
export interface MockServer extends AsyncDisposable {
  /** Base URL, such as `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Requests received, by path. */
  readonly requests: Map<string, number>;
  /** All requests received. */
  readonly total: number;
  /** The fault applied to every request while set. */
  fault: Fault | undefined;
  /** Closes the listener (connections are refused until `start`). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): void;
}

/**
 * Serves `handler` on a free loopback port.
 *
 * @param handler The upstream's normal behaviour.
 * @returns The running mock.
 */
export function serveMock(
  handler: (request: Request, url: URL) => Response | Promise<Response>,
): MockServer {
  const requests = new Map<string, number>();
  let total = 0;
  let server: Deno.HttpServer | undefined;
  let port = 0;
  // Hung requests are released when the mock stops, so nothing leaks.
  const hung = new Set<() => void>();
  const mock: MockServer = {
    url: "",
    requests,
    get total() {
      return total;
    },
    fault: undefined,
    async stop() {
      for (const release of hung) release();
      hung.clear();
      await server?.shutdown();
      server = undefined;
    },
    start() {
      const abort = new AbortController();
      server = Deno.serve({
        hostname: "127.0.0.1",
        port,
        onListen: () => {},
        signal: abort.signal,
      }, async (request) => {
        const url = new URL(request.url);
        total++;
        requests.set(url.pathname, (requests.get(url.pathname) ?? 0) + 1);
        const fault = mock.fault;
        if (fault?.kind === "hang") {
          await new Promise<void>((resolve) => {
            hung.add(resolve);
            request.signal.addEventListener("abort", () => resolve(), {
              once: true,
            });
          });
          return new Response(null, { status: 503 });
        }
        if (fault?.kind === "status") {
          return Response.json(fault.body ?? {}, {
            status: fault.status,
            headers: fault.headers,
          });
        }
        if (fault?.kind === "malformed") {
          return new Response('{"data": [unterminated', {
            headers: { "content-type": "application/json" },
          });
        }
        return await handler(request, url);
      });
      port = (server.addr as Deno.NetAddr).port;
      (mock as { url: string }).url = `http://127.0.0.1:${port}`;
    },
    async [Symbol.asyncDispose]() {
      await mock.stop();
    },
  };
  mock.start();
  return mock;
}

/** A token bucket for a mock's rate limit (tokens per second, capacity). */
export function bucket(ratePerS: number, capacity: number): () => boolean {
  let tokens = capacity;
  let at = Date.now();
  return () => {
    const now = Date.now();
    tokens = Math.min(capacity, tokens + (now - at) / 1000 * ratePerS);
    at = now;
    if (tokens < 1) return false;
    tokens--;
    return true;
  };
}
