/**
 * The set of open client connections, so shutdown can tell each one to go
 * away, and wait for the goodbye to reach it, instead of dropping it.
 *
 * @module
 */
import type { Clock } from "../time/mod.ts";

/** A connection that can be closed by the server. */
export interface Closable {
  /** Closes with a code and a human reason. */
  close(code: number, reason: string): void;
}

interface Entry {
  connection: Closable;
  closed?: Promise<unknown>;
}

/**
 * Tracks open connections by transport.
 *
 * @example Close everything on shutdown
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "@/lib/time/mod.ts";
 * import { ConnectionRegistry } from "@/lib/stream/connections.ts";
 * const registry = new ConnectionRegistry();
 * const codes: number[] = [];
 * registry.add("ws", { close: (code) => codes.push(code) });
 * await registry.closeAll(1001, "server shutting down", { clock: new FakeClock(), graceMs: 0 });
 * assert.deepEqual(codes, [1001]);
 * ```
 */
export class ConnectionRegistry {
  #byTransport = new Map<string, Map<Closable, Entry>>();

  /**
   * Registers a connection; returns the function that forgets it.
   *
   * @param transport The transport's name, such as `ws`.
   * @param connection The connection.
   * @param closed Settles once the peer has been told (the close handshake
   *   finished), so shutdown can wait for it.
   */
  add(
    transport: string,
    connection: Closable,
    closed?: Promise<unknown>,
  ): () => void {
    let map = this.#byTransport.get(transport);
    if (!map) this.#byTransport.set(transport, map = new Map());
    map.set(connection, { connection, closed });
    return function forget() {
      map.delete(connection);
    };
  }

  /** Open connections per transport. */
  counts(): Record<string, number> {
    return Object.fromEntries(
      [...this.#byTransport].map(([t, map]) => [t, map.size]),
    );
  }

  /**
   * Closes every connection with `code` and `reason`, spread evenly over
   * `drainMs` so clients do not all reconnect at the same moment, then
   * waits up to `graceMs` for the closes to reach the peers.
   */
  async closeAll(
    code: number,
    reason: string,
    options: { clock: Clock; drainMs?: number; graceMs?: number },
  ): Promise<void> {
    const { clock, drainMs = 0, graceMs = 2_000 } = options;
    const entries: Entry[] = [];
    for (const map of this.#byTransport.values()) {
      entries.push(...map.values());
      map.clear();
    }
    const pending: Promise<unknown>[] = [];
    // Close in up to 20 waves spread over the window: the first at once.
    const waves = Math.max(1, Math.min(entries.length, drainMs > 0 ? 20 : 1));
    const perWave = Math.ceil(entries.length / waves);
    for (let w = 0; w < waves; w++) {
      if (w > 0) await clock.sleep(drainMs / waves);
      for (const entry of entries.slice(w * perWave, (w + 1) * perWave)) {
        try {
          entry.connection.close(code, reason);
        } catch {
          // Already gone; nothing left to tell it.
        }
        if (entry.closed) pending.push(entry.closed.catch(() => {}));
      }
    }
    if (pending.length === 0) return;
    const grace = new AbortController();
    await Promise.race([
      Promise.all(pending),
      clock.sleep(graceMs, grace.signal).catch(() => {}),
    ]);
    grace.abort();
  }
}
