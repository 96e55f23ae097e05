/**
 * Running several instances as one: the leader lease.
 *
 * @module
 */
export { LeaderLease, type LeaderLeaseOptions } from "./leader_lease.ts";
