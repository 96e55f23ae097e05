/**
 * The key that signs sessions, tickets and viewer links, as a server
 * starts: `PULSE_SESSION_SECRET`, else the cluster's kept in Redis, else
 * the one kept beside the database (`lib/security`'s `keptSessionKey`).
 */
import { RedisViewerLinks, type SqliteStore } from "@/lib/store/mod.ts";
import type { Cluster } from "@/lib/cluster/mod.ts";
import type { Config } from "@/lib/config.ts";
import type { Logger } from "@/lib/log.ts";
import { setOnce } from "@/lib/redis/mod.ts";
import {
  Authenticator,
  keptSessionKey,
  type SessionKey,
  ViewerLinks,
} from "@/lib/security/mod.ts";
import { type Clock, randomHex } from "@/lib/time/mod.ts";

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

/**
 * Who may read the board, as a server starts: the signing key (above),
 * the share links (in Redis for a cluster, else beside the database) with
 * their revocations read once, and the Authenticator over both.
 *
 * @param config The configuration (tokens, lifetimes, the secret).
 * @param parts The store, the cluster, the log and the clock.
 * @returns The authenticator, where its key came from, and the links.
 */
export async function accessOf(
  config: Config,
  parts: { store: SqliteStore; cluster: Cluster; log: Logger; clock: Clock },
): Promise<
  { auth: Authenticator; sessionKey: SessionKey; viewerLinks: ViewerLinks }
> {
  const { store, cluster, clock } = parts;
  const sessionKey = await sessionKeyOf(config, parts);
  const viewerLinks = new ViewerLinks({
    store: cluster.redis
      ? new RedisViewerLinks(cluster.redis)
      : store.viewerLinks,
    clock,
  });
  await viewerLinks.refresh();
  const auth = new Authenticator({
    tokens: config.tokens,
    secret: sessionKey.key,
    clock,
    sessionTtlMs: config.sessionTtlMs,
    ticketTtlMs: config.ticketTtlMs,
    revoked: (id) => viewerLinks.isRevoked(id),
    onLinkUsed: (id) => viewerLinks.used(id),
  });
  return { auth, sessionKey, viewerLinks };
}
