/**
 * The one way an island follows a topic: a StreamClient opened once in
 * `useEffect` from the server-rendered snapshot, closed on cleanup, with
 * its state in a signal; tickets fetched when the server needs
 * credentials (and a missing session sends the user to /login).
 */
import { type Signal, useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import {
  type ClientState,
  StreamClient,
  type TopicView,
  type TransportName,
} from "@/lib/client/mod.ts";

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
  const { topic, initial, authRequired, forceTransport } = options;
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
    const stream = new StreamClient({
      baseUrl: location.origin,
      topic,
      initial: client.peek().view,
      ...(authRequired ? { getTicket: fetchTicket } : {}),
      ...(forceTransport ? { transports: [forceTransport] } : {}),
      onChange: (state) => client.value = state,
    });
    stream.start();
    return () => stream.close();
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
