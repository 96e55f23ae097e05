/**
 * Running several instances as one: the Redis bus, the leader lease,
 * leadership (who polls upstream), and the shared log they keep.
 *
 * @module
 */
export { LeaderLease, type LeaderLeaseOptions } from "./leader_lease.ts";
export { Leadership, type LeadershipOptions } from "./leadership.ts";
export {
  BusPublishError,
  type Fencing,
  RedisBus,
  type RedisBusOptions,
} from "./redis_bus.ts";
export { readSharedLog, type ReadSharedLogOptions } from "./shared_log.ts";
export { Cluster, type ClusterOptions } from "./cluster.ts";
