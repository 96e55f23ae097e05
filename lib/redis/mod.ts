/**
 * Redis: the one connection a process shares between the cluster bus,
 * the leader lease, the L2 cache tier and the ingest store.
 *
 * @module
 */
export {
  RedisConnection,
  type RedisConnectionOptions,
  RedisDownError,
} from "./redis_connection.ts";
export {
  closeRedisClient,
  createRedisClient,
  onRedisEvent,
  type RedisClient,
} from "./redis_client.ts";
export { setOnce } from "./set_once.ts";
