/**
 * The key that signs sessions, tickets and viewer links, as a server
 * starts: `PULSE_SESSION_SECRET`, else the cluster's kept in Redis, else
 * the one kept beside the database (`lib/security`'s `keptSessionKey`).
 */
import type { SqliteStore } from "@/lib/cache/mod.ts";
import type { Cluster } from "@/lib/cluster/mod.ts";
import type { Config } from "@/lib/config.ts";
import type { Logger } from "@/lib/log.ts";
import { setOnce } from "@/lib/redis/mod.ts";
import { keptSessionKey, type SessionKey } from "@/lib/security/mod.ts";
import { randomHex } from "@/lib/time/mod.ts";

/** The Redis key the cluster's session key is kept under. */
export const SESSION_KEY_REDIS_KEY = "pulse:session-key";

/**
 * The signing key for this server.
 *
 * @param config The configuration (`PULSE_SESSION_SECRET`).
 * @param parts The store (its path) and the cluster (its Redis).
 * @returns The key and where it is kept.
 * @throws {SessionKeyError} When the kept file is not a key.
 */
export function sessionKeyOf(
  config: Config,
  parts: { store: SqliteStore; cluster: Cluster; log: Logger },
): Promise<SessionKey> {
  const { store, cluster, log } = parts;
  const redis = cluster.redis;
  return keptSessionKey({
    configured: config.sessionSecret,
    file: store.path === ":memory:" ? undefined : `${store.path}.session-key`,
    shared: redis &&
      ((candidate) => setOnce(redis, SESSION_KEY_REDIS_KEY, candidate)),
    generate: () => randomHex(32),
    onSharedFailed: (error) =>
      log.warn("session key: Redis is down; using this machine's", { error }),
  });
}
