/**
 * Running several instances as one: the bus, the leader lease,
 * leadership (who polls upstream) and the shared log they keep, in Redis
 * or in a `PULSE_WORKERS` supervisor's local bus.
 *
 * @module
 */
export { LeaderLease, type LeaderLeaseOptions } from "./leader_lease.ts";
export { Leadership, type LeadershipOptions } from "./leadership.ts";
export {
  BusPublishError,
  type Fencing,
  SharedBus,
  type SharedBusOptions,
} from "./shared_bus.ts";
export { readSharedLog, type ReadSharedLogOptions } from "./shared_log.ts";
export { Cluster, type ClusterOptions } from "./cluster.ts";
export {
  type LocalBusConnection,
  LocalBusRefusedError,
  LocalBusServer,
  type LocalBusServerOptions,
} from "./local_bus_server.ts";
export {
  LocalBusError,
  LocalLink,
  type LocalLinkOptions,
} from "./local_link.ts";
export type { SharedLink } from "./shared_link.ts";
export { readLines } from "./json_lines.ts";
