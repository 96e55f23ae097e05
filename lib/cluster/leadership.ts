/**
 * Who polls upstream: with Redis, the holder of the leader lease (whose
 * fencing value the bus checks, so only it can publish); without Redis,
 * this process alone, from start to stop.
 *
 * @module
 */
import type { SharedLink } from "./shared_link.ts";
import type { Clock } from "../time/mod.ts";
import { LeaderLease } from "./leader_lease.ts";
import type { Fencing } from "./shared_bus.ts";

/** Options for {@linkcode Leadership}. */
export interface LeadershipOptions {
  /** Time source for the lease's renewals. */
  clock: Clock;
  /** The Redis connection; without it this process always leads. */
  redis?: SharedLink;
  /** This process's name in the lease's value (no secrets). */
  instanceId: string;
  /**
   * How long a grant lasts without renewal, ms.
   * @default {3000}
   */
  leaseMs?: number;
  /** Called when this process starts leading: start polling. */
  onLead: () => void;
  /** Called when it stops leading: stop polling. */
  onFollow: () => void;
  /** Told about Redis errors while campaigning (the bus reports them too). */
  onError?: (error: unknown) => void;
}

/**
 * Leads alone, or campaigns for the lease.
 *
 * @example Alone, this process leads from start to stop
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "@/lib/time/mod.ts";
 * import { Leadership } from "@/lib/cluster/mod.ts";
 * const calls: string[] = [];
 * const leadership = new Leadership({
 *   clock: new FakeClock(), instanceId: "a",
 *   onLead: () => calls.push("lead"), onFollow: () => calls.push("follow"),
 * });
 * leadership.start();
 * await leadership.stop();
 * assert.deepEqual(calls, ["lead", "follow"]);
 * assert.equal(leadership.leader, true);
 * ```
 */
export class Leadership {
  #lease?: LeaderLease;
  #options: LeadershipOptions;

  /** Creates it; nothing happens until {@linkcode Leadership.start}. */
  constructor(options: LeadershipOptions) {
    this.#options = options;
    const { redis } = options;
    if (redis) {
      this.#lease = new LeaderLease({
        run: (script, keys, args) => redis.run(script, keys, args),
        key: redis.key("leader"),
        instanceId: options.instanceId,
        clock: options.clock,
        leaseMs: options.leaseMs,
        onChange: (leader) => {
          if (leader) options.onLead();
          else options.onFollow();
        },
        onError: options.onError,
      });
    }
  }

  /** Whether this process polls and publishes (always, without Redis). */
  get leader(): boolean {
    return this.#lease?.leader ?? true;
  }

  /** Whether leadership is decided by a lease in Redis. */
  get shared(): boolean {
    return this.#lease !== undefined;
  }

  /** The lease, for the bus's fencing checks; `undefined` without Redis. */
  get fencing(): Fencing | undefined {
    return this.#lease;
  }

  /**
   * Who holds the lease (`instanceId:token`, the token being the fencing
   * number), as last seen; undefined without Redis.
   */
  get holder(): string | undefined {
    return this.#lease?.holder;
  }

  /** Begins leading, or campaigning. */
  start(): void {
    if (this.#lease) this.#lease.start();
    else this.#options.onLead();
  }

  /** Stops leading and gives the lease up, so another takes over at once. */
  async stop(): Promise<void> {
    if (this.#lease) await this.#lease.stop();
    else this.#options.onFollow();
  }
}
