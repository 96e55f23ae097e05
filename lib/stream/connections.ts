/**
 * The set of open client connections, so shutdown can tell each one to go
 * away, and wait for the goodbye to reach it, instead of dropping it.
 *
 * @module
 */
import type { Clock } from "../time/mod.ts";

/** A connection that can be closed by the server. */
export interface Closable {
  /** Tells the client to go away (with a code and a human reason), then closes. */
  close(code: number, reason: string): void;
  /**
   * Where it stands, for the operator console: its topics, the seq last
   * sent, and the messages queued for it.
   */
  describe?(): { topics: string[]; seq?: number; backlog?: number };
}

/** Who a connection is, as it was registered. */
export interface ConnectionInfo {
  /** The client's address (as the proxy or the runtime saw it). */
  address: string;
  /** When it opened, epoch ms. */
  openedAt: number;
}

/** One open connection, for the operator console. */
export type ClientLine = {
  id: string;
  transport: string;
  address: string;
  topics: string;
  seq?: number;
  backlog?: number;
  /** Seconds since it opened. */
  ageS: number;
};

/**
 * Tracks open connections by transport. Each transport adds a connection
 * when it opens and deletes it once it is gone (for a WebSocket, when the
 * close handshake finished), so shutdown can wait for the goodbyes without
 * a promise per connection.
 *
 * @example Close everything on shutdown
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "@/lib/time/mod.ts";
 * import { ConnectionRegistry } from "@/lib/stream/connections.ts";
 * const registry = new ConnectionRegistry();
 * const codes: number[] = [];
 * const connection = {
 *   close: (code: number) => {
 *     codes.push(code);
 *     registry.delete("ws", connection); // the peer said goodbye
 *   },
 * };
 * registry.add("ws", connection);
 * await registry.closeAll(1001, "server shutting down", { clock: new FakeClock() });
 * assert.deepEqual(codes, [1001]);
 * assert.equal(registry.size, 0);
 * ```
 */
export class ConnectionRegistry {
  #byTransport = new Map<string, Set<Closable>>();
  #info = new Map<Closable, { address: string; openedAt: number; n: number }>();
  #next = 1;
  #onEmpty?: () => void;

  /** Registers an open connection (and who it is, for the console). */
  add(transport: string, connection: Closable, info?: ConnectionInfo): void {
    let set = this.#byTransport.get(transport);
    if (!set) this.#byTransport.set(transport, set = new Set());
    set.add(connection);
    if (info) {
      this.#info.set(connection, {
        address: info.address,
        openedAt: info.openedAt,
        n: this.#next++,
      });
    }
  }

  /** Forgets a connection that is gone; unknown ones are ignored. */
  delete(transport: string, connection: Closable): void {
    if (!this.#byTransport.get(transport)?.delete(connection)) return;
    this.#info.delete(connection);
    if (this.#onEmpty && this.size === 0) this.#onEmpty();
  }

  /**
   * The open connections that were registered with who they are, oldest
   * first, at most `limit`.
   *
   * @param now Epoch ms, for their ages.
   */
  clients(now: number, limit = 50): ClientLine[] {
    const out: ClientLine[] = [];
    for (const [transport, set] of this.#byTransport) {
      // A set keeps the order connections were added in, oldest first, so
      // only the first `limit` of each can be among the oldest: the console
      // asks every second, and describing and sorting every connection
      // grew with their number.
      let taken = 0;
      for (const connection of set) {
        if (taken === limit) break;
        const info = this.#info.get(connection);
        if (!info) continue;
        taken++;
        const d = connection.describe?.();
        out.push({
          id: `c${info.n}`,
          transport,
          address: info.address,
          topics: d?.topics.join(", ") ?? "",
          ...(d?.seq !== undefined ? { seq: d.seq } : {}),
          ...(d?.backlog !== undefined ? { backlog: d.backlog } : {}),
          ageS: Math.max(0, Math.round((now - info.openedAt) / 1000)),
        });
      }
    }
    return out.sort((a, b) => b.ageS - a.ageS).slice(0, limit);
  }

  /**
   * Closes one connection by its id (an operator's "disconnect").
   *
   * @returns Whether one had that id.
   */
  close(id: string, code: number, reason: string): boolean {
    for (const [connection, info] of this.#info) {
      if (`c${info.n}` !== id) continue;
      connection.close(code, reason);
      return true;
    }
    return false;
  }

  /** Open connections, all transports. */
  get size(): number {
    let n = 0;
    for (const set of this.#byTransport.values()) n += set.size;
    return n;
  }

  /** Open connections per transport. */
  counts(): Record<string, number> {
    return Object.fromEntries(
      [...this.#byTransport].map(([t, set]) => [t, set.size]),
    );
  }

  /**
   * Closes every connection with `code` and `reason`, spread evenly over
   * `drainMs` so clients do not all reconnect at the same moment, then
   * waits up to `graceMs` for them to be gone (deleted by their transport).
   */
  async closeAll(
    code: number,
    reason: string,
    options: { clock: Clock; drainMs?: number; graceMs?: number },
  ): Promise<void> {
    const { clock, drainMs = 0, graceMs = 2_000 } = options;
    const entries: Closable[] = [];
    for (const set of this.#byTransport.values()) entries.push(...set);
    // Close in up to 20 waves spread over the window: the first at once.
    const waves = Math.max(1, Math.min(entries.length, drainMs > 0 ? 20 : 1));
    const perWave = Math.ceil(entries.length / waves);
    for (let w = 0; w < waves; w++) {
      if (w > 0) await clock.sleep(drainMs / waves);
      for (const connection of entries.slice(w * perWave, (w + 1) * perWave)) {
        try {
          connection.close(code, reason);
        } catch {
          // Already gone; nothing left to tell it.
        }
      }
    }
    if (this.size === 0) return;
    const grace = new AbortController();
    const { promise: empty, resolve } = Promise.withResolvers<void>();
    this.#onEmpty = resolve;
    await Promise.race([
      empty,
      clock.sleep(graceMs, grace.signal).catch(() => {}),
    ]);
    this.#onEmpty = undefined;
    grace.abort();
  }
}
