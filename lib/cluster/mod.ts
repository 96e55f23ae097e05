/**
 * Running several instances as one: the Redis bus, the leader lease, and
 * leadership (who polls upstream).
 *
 * @module
 */
export { LeaderLease, type LeaderLeaseOptions } from "./leader_lease.ts";
export { Leadership, type LeadershipOptions } from "./leadership.ts";
export {
  BusPublishError,
  RedisBus,
  type RedisBusOptions,
  type SharedTopic,
} from "./redis_bus.ts";
