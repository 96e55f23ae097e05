/**
 * Several server processes on one port (`PULSE_WORKERS`): the supervisor
 * that keeps them running.
 *
 * @module
 */
export {
  type WorkerProcess,
  WorkerSupervisor,
  type WorkerSupervisorOptions,
} from "./supervisor.ts";
