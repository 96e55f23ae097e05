/**
 * The one way a stream (WebSocket, SSE, parked long-poll) is let in and
 * let go: its slots taken under the memory budget, the server's total,
 * its credential's share and its address's share (routes/limits.ts); once
 * open, registered for the console and shutdown and ended when its
 * credential ends (routes/auth.ts); at its end, all of it undone once.
 */
import type { Context } from "hono";
import type { Closable, Expirable } from "@/lib/stream/mod.ts";
import { credentialKey, endWithCredential } from "./auth.ts";
import type { AppDeps } from "./deps.ts";
import { clientIp, type RouteLimits, takeStreamSlot } from "./limits.ts";

/** A stream let in: its address, and what opening and ending it do. */
export interface AdmittedStream {
  /** The client's address, read while the request is whole. */
  readonly address: string;
  /**
   * The stream is open: registered for the console and shutdown, and
   * ended when its credential expires or its share link is revoked.
   */
  open(connection: Closable & Expirable): void;
  /** The stream ended (or never opened): everything let go, once. */
  close(): void;
}

/**
 * Lets a stream in, or refuses it.
 *
 * @param deps The connections, clock and share links.
 * @param limits The app's limiters.
 * @param c The request's context, after the guard.
 * @param transport `ws`, `sse` or `poll` (a parked long-poll).
 * @returns The admitted stream.
 * @throws {HttpError} 503 or 429 from {@linkcode takeStreamSlot}.
 */
export function admitStream(
  deps: Pick<AppDeps, "connections" | "clock" | "viewerLinks">,
  limits: RouteLimits,
  c: Context,
  transport: "ws" | "sse" | "poll",
): AdmittedStream {
  const address = clientIp(c);
  const release = takeStreamSlot(
    limits,
    transport === "poll" ? "polls" : "connections",
    { address, credential: credentialKey(c) },
  );
  let opened: Closable | undefined;
  let stopWatching = () => {};
  let closed = false;
  return {
    address,
    open(connection) {
      if (closed || opened) return;
      opened = connection;
      deps.connections.add(transport, connection, {
        address,
        openedAt: deps.clock.now(),
      });
      stopWatching = endWithCredential(deps, c, connection);
    },
    close() {
      if (closed) return;
      closed = true;
      stopWatching();
      if (opened) deps.connections.delete(transport, opened);
      release();
    },
  };
}
