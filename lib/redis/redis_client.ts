/**
 * How Pulseboard makes a node-redis client (for `RedisConnection`, and
 * tests that look into Redis): commands fail at once while disconnected instead of
 * queueing, reconnection backs off up to a second, and closing never
 * waits on a Redis that is gone.
 *
 * @module
 */
import type { createClient as nodeRedisCreateClient } from "redis";
import { withTimeout } from "../resilience/mod.ts";
import type { Clock } from "../time/mod.ts";

/** A node-redis client made by {@linkcode createRedisClient}. */
export type RedisClient = ReturnType<typeof makeClient>;

/**
 * Makes a client for `url` (not connected yet). node-redis is loaded on
 * the first call, not with this module: loading it takes about a quarter
 * of a second of CPU, which every start without Redis (and every worker)
 * paid for nothing.
 *
 * @param url `redis://` or `rediss://`.
 * @returns The client.
 */
export async function createRedisClient(url: string): Promise<RedisClient> {
  const { createClient } = await import("redis");
  return makeClient(createClient, url);
}

function makeClient(createClient: typeof nodeRedisCreateClient, url: string) {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 2_000,
      reconnectStrategy: (retries: number) =>
        Math.min(50 * 2 ** retries, 1_000),
    },
  });
}

/**
 * Listens to a client's connection events (node-redis clients are
 * EventEmitters; their typings hide `on`).
 *
 * @param client The client.
 * @param event The event.
 * @param listener Told about it (with the error, for `error`).
 */
export function onRedisEvent(
  client: RedisClient,
  event: "error" | "ready" | "end" | "reconnecting",
  listener: (error?: unknown) => void,
): void {
  (client as unknown as {
    on(event: string, listener: (error?: unknown) => void): void;
  }).on(event, listener);
}

/**
 * Closes a client: a polite QUIT when Redis answers (bounded), else at once.
 *
 * @param client The client.
 * @param clock Time source for the QUIT's limit.
 */
export async function closeRedisClient(
  client: RedisClient,
  clock: Clock,
): Promise<void> {
  if (!client.isOpen) return;
  if (!client.isReady) {
    // Redis is unreachable: a polite QUIT would wait forever.
    client.destroy();
    return;
  }
  try {
    await withTimeout(() => client.quit(), 1_000, {
      clock,
      operation: "Redis QUIT",
    });
  } catch {
    client.destroy();
  }
}
