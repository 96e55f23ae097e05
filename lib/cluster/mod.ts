/**
 * Running several instances as one: the Redis bus and the leader lease.
 *
 * @module
 */
export { LeaderLease, type LeaderLeaseOptions } from "./leader_lease.ts";
export {
  BusPublishError,
  RedisBus,
  type RedisBusOptions,
  type SharedTopic,
} from "./redis_bus.ts";
