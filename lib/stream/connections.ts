/**
 * The set of open client connections, so shutdown can tell each one to go
 * away instead of dropping it.
 *
 * @module
 */

/** A connection that can be closed by the server. */
export interface Closable {
  /** Closes with a code and a human reason. */
  close(code: number, reason: string): void;
}

/**
 * Tracks open connections by transport.
 *
 * @example Close everything on shutdown
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConnectionRegistry } from "@/lib/stream/connections.ts";
 * const registry = new ConnectionRegistry();
 * const codes: number[] = [];
 * registry.add("ws", { close: (code) => codes.push(code) });
 * registry.closeAll(1001, "server shutting down");
 * assert.deepEqual(codes, [1001]);
 * ```
 */
export class ConnectionRegistry {
  #byTransport = new Map<string, Set<Closable>>();

  /** Registers a connection; returns the function that forgets it. */
  add(transport: string, connection: Closable): () => void {
    let set = this.#byTransport.get(transport);
    if (!set) this.#byTransport.set(transport, set = new Set());
    set.add(connection);
    return function forget() {
      set.delete(connection);
    };
  }

  /** Open connections per transport. */
  counts(): Record<string, number> {
    return Object.fromEntries(
      [...this.#byTransport].map(([t, set]) => [t, set.size]),
    );
  }

  /** Closes every connection with `code` and `reason`. */
  closeAll(code: number, reason: string): void {
    for (const set of this.#byTransport.values()) {
      for (const connection of [...set]) {
        try {
          connection.close(code, reason);
        } catch {
          // Already gone; nothing left to tell it.
        }
        set.delete(connection);
      }
    }
  }
}
