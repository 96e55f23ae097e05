/**
 * The one way an island follows a topic: a StreamClient opened once in
 * `useEffect` from the server-rendered snapshot, closed on cleanup, with
 * its state in a signal; tickets fetched when the server needs
 * credentials (and a missing session sends the user to /login). The
 * signal changes at most once per MIN_RENDER_GAP_MS: a change after a
 * quiet moment shows at once, a burst shows its latest state at the end
 * of the gap (a board taking 10 updates a second renders about 6 frames
 * of figures, not 10; nobody reads a figure faster).
 */
import { type Signal, useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import {
  type ClientState,
  livenessForHeartbeat,
  StreamClient,
  type TopicView,
  type TransportName,
} from "@/lib/client/mod.ts";

/** The shortest time between two renders of the client's state, ms. */
const MIN_RENDER_GAP_MS = 150;

/** Options for {@linkcode useStreamClient}. */
export interface UseStreamClientOptions {
  /** The topic. */
  topic: string;
  /** The snapshot the page was rendered from. */
  initial: TopicView;
  /** Whether the server needs a ticket per connection. */
  authRequired: boolean;
  /** A transport forced by `?transport=` (debugging), else automatic. */
  forceTransport?: TransportName;
  /**
   * The server's heartbeat interval, ms: silence is judged against it.
   * @default {15000}
   */
  heartbeatMs?: number;
}

/**
 * Follows `topic` from the rendered snapshot on.
 *
 * @param options What to follow.
 * @returns The client's state, live.
 */
export function useStreamClient(
  options: UseStreamClientOptions,
): Signal<ClientState> {
  const { topic, initial, authRequired, forceTransport, heartbeatMs = 15_000 } =
    options;
  const client = useSignal<ClientState>({
    status: "connecting",
    transport: forceTransport ?? "ws",
    view: initial,
    reconnects: 0,
    resyncs: 0,
    gaps: 0,
    bytesReceived: 0,
  });
  useEffect(() => {
    let shownAt = -Infinity;
    let latest: ClientState | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const show = (state: ClientState) => {
      shownAt = performance.now();
      client.value = state;
    };
    const stream = new StreamClient({
      baseUrl: location.origin,
      topic,
      initial: client.peek().view,
      livenessMs: livenessForHeartbeat(heartbeatMs),
      ...(authRequired ? { getTicket: fetchTicket } : {}),
      ...(forceTransport ? { transports: [forceTransport] } : {}),
      onChange: (state) => {
        const wait = shownAt + MIN_RENDER_GAP_MS - performance.now();
        if (timer === undefined && wait <= 0) return show(state);
        latest = state;
        timer ??= setTimeout(() => {
          timer = undefined;
          show(latest!);
        }, Math.max(0, wait));
      },
    });
    stream.start();
    return () => {
      clearTimeout(timer);
      stream.close();
    };
  }, []);
  return client;
}

/** A ticket for one connection; without a session, the login page. */
async function fetchTicket(): Promise<string> {
  const res = await fetch("/api/ticket", {
    method: "POST",
    credentials: "same-origin",
  });
  if (res.status === 401) {
    // Signed out (the session ended): sign in, then come back here.
    const here = location.pathname + location.search;
    location.assign(
      here === "/" ? "/login" : `/login?next=${encodeURIComponent(here)}`,
    );
  }
  if (!res.ok) throw new Error(`ticket request answered ${res.status}`);
  return (await res.json()).ticket;
}
