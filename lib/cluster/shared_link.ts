/**
 * What the bus and the leader lease need from the place they share: run
 * one of the cluster's scripts atomically, pub/sub, read a topic's kept
 * deltas and pass notices. Redis is one such place
 * (`lib/redis`' RedisConnection); the `PULSE_WORKERS` supervisor's local
 * bus ({@linkcode LocalLink}) is the other, for workers without Redis.
 *
 * @module
 */

/** The shared place behind the bus and the lease (see the module text). */
export interface SharedLink {
  /** Whether it is reachable now. */
  readonly up: boolean;
  /** `parts` joined into one key under this deployment's prefix. */
  key(...parts: string[]): string;
  /** Calls `listener` each time it becomes reachable (again). */
  onReady(listener: () => void): () => void;
  /** Runs one of the cluster's scripts atomically. */
  run(script: string, keys: string[], args: string[]): Promise<unknown>;
  /** Listens to a channel; returns the function that stops it. */
  listen(channel: string, listener: (text: string) => void): () => void;
  /** The texts kept in a topic's log with a seq above `after`, oldest first. */
  readLog(key: string, after: number): Promise<string[]>;
  /** Tells every process, this one included, something small. */
  notify(kind: string, payload: string): Promise<void>;
  /** Receives every process's notices. */
  onNotice(listener: (kind: string, payload: string) => void): () => void;
}
