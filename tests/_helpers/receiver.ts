/**
 * A real HTTP receiver on loopback for alert deliveries: it records every
 * request (headers and body) and answers as scripted: a status (with
 * headers), or a hang until released, as a receiver that is down, busy or
 * slow would.
 */

/** What one request carried. */
export interface Received {
  headers: Headers;
  body: string;
  /** When it arrived, performance.now(). */
  at: number;
  /** Whether the receiver answered 2xx (delivered). */
  answered?: number;
}

/** How the receiver answers the next requests, in order; then 200. */
export type Script = (
  | { status: number; headers?: Record<string, string>; body?: string }
  | { hang: true }
)[];

/** A running receiver. */
export interface Receiver extends AsyncDisposable {
  url: string;
  received: Received[];
  /** Requests answered 2xx. */
  readonly delivered: Received[];
  /** Queues answers for the next requests. */
  script(answers: Script): void;
  /** Releases requests held by a hang (they then get 200). */
  release(): void;
}

/** Starts a receiver. */
export function startReceiver(): Receiver {
  const received: Received[] = [];
  const answers: Script = [];
  const held = new Set<() => void>();
  const abort = new AbortController();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: () => {},
    signal: abort.signal,
  }, async (request) => {
    const entry: Received = {
      headers: request.headers,
      body: await request.text(),
      at: performance.now(),
    };
    received.push(entry);
    const answer = answers.shift();
    if (answer && "hang" in answer) {
      await new Promise<void>((resolve) => {
        held.add(resolve);
        request.signal.addEventListener("abort", () => resolve(), {
          once: true,
        });
      });
      if (request.signal.aborted) return new Response(null, { status: 499 });
    }
    const status = answer && "status" in answer ? answer.status : 200;
    if (!request.signal.aborted && status < 300) entry.answered = status;
    return new Response(
      answer && "status" in answer ? answer.body ?? "" : "ok",
      {
        status,
        headers: answer && "status" in answer ? answer.headers : {},
      },
    );
  });
  const port = (server.addr as Deno.NetAddr).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    get delivered() {
      return received.filter((r) => r.answered !== undefined);
    },
    script(more) {
      answers.push(...more);
    },
    release() {
      for (const r of held) r();
      held.clear();
    },
    async [Symbol.asyncDispose]() {
      for (const r of held) r();
      held.clear();
      abort.abort();
      await server.finished;
    },
  };
}
