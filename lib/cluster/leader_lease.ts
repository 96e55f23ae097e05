/**
 * One leader among instances: a lease in Redis (`SET key value NX PX`),
 * renewed well before it runs out, released on shutdown. Each grant gets
 * a fencing value (instance id and an increasing token) that the Redis
 * bus checks on every publish, so a leader that stalled past its lease
 * cannot publish over its successor.
 *
 * @module
 */
import type { Clock, TimerId } from "../time/mod.ts";

// KEYS: lease, token counter; ARGV: instance id, lease ms. Answers
// {'won', value}, or {'held', the holder's value}.
const ACQUIRE = `
local holder = redis.call('GET', KEYS[1])
if holder then return {'held', holder} end
local value = ARGV[1] .. ':' .. redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
return {'won', value}
`;
// KEYS: lease; ARGV: value, lease ms
const RENEW = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;
// KEYS: lease; ARGV: value
const RELEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
`;

/** The lease's scripts by name (the local bus runs their equivalents). */
export const LEASE_SCRIPTS: Readonly<
  { acquire: string; renew: string; release: string }
> = Object.freeze({ acquire: ACQUIRE, renew: RENEW, release: RELEASE });

/** Options for {@linkcode LeaderLease}. */
export interface LeaderLeaseOptions {
  /** Runs a Lua script in Redis (`RedisConnection.run`). */
  run: (script: string, keys: string[], args: string[]) => Promise<unknown>;
  /** The lease's key. */
  key: string;
  /** This instance's id (unique per process start). */
  instanceId: string;
  /** Time source for renewals. */
  clock: Clock;
  /**
   * How long a grant lasts without renewal, ms. Another instance takes
   * over within about `leaseMs * 4 / 3` of a leader's death.
   * @default {3000}
   */
  leaseMs?: number;
  /** Told when this instance becomes leader (with its fencing value) or stops being one. */
  onChange: (leader: boolean, fence?: string) => void;
  /** Told about Redis errors while renewing or acquiring. */
  onError?: (error: unknown) => void;
}

/**
 * Campaigns for the lease every third of its length and renews it while
 * held.
 *
 * @example Two instances, one leader
 * ```ts ignore
 * const lease = new LeaderLease({ run, key: "pulse:leader", instanceId: "a", clock, onChange });
 * lease.start();
 * ```
 */
export class LeaderLease {
  #o:
    & Required<Omit<LeaderLeaseOptions, "onError">>
    & Pick<LeaderLeaseOptions, "onError">;
  #value?: string;
  /** Who held the lease at the last round (this instance or another). */
  #holder?: string;
  #renewedAt = 0;
  #timer?: TimerId;
  #stopped = false;
  #busy = false;

  /** Creates a lease that does nothing until {@linkcode LeaderLease.start}. */
  constructor(options: LeaderLeaseOptions) {
    this.#o = { leaseMs: 3000, ...options };
    if (!(this.#o.leaseMs >= 300)) {
      throw new RangeError(
        `Cannot create leader lease: 'leaseMs' must be at least 300, received ${this.#o.leaseMs}`,
      );
    }
  }

  /** Whether this instance holds the lease. */
  get leader(): boolean {
    return this.#value !== undefined;
  }

  /** The lease's key in Redis. */
  get key(): string {
    return this.#o.key;
  }

  /** The fencing value of the current grant. */
  get fence(): string | undefined {
    return this.#value;
  }

  /**
   * Who held the lease at the last round (`instanceId:token`), this
   * instance or another; undefined when nobody did or Redis was away.
   */
  get holder(): string | undefined {
    return this.#holder;
  }

  /** Campaigns now and then every third of the lease. */
  start(): void {
    if (this.#stopped || this.#timer !== undefined) return;
    const loop = async () => {
      this.#timer = undefined;
      await this.tick();
      if (!this.#stopped) {
        this.#timer = this.#o.clock.setTimeout(loop, this.#o.leaseMs / 3);
      }
    };
    this.#timer = this.#o.clock.setTimeout(loop, 0);
  }

  /** One round: renew the lease when held, else try to acquire it. */
  async tick(): Promise<void> {
    if (this.#busy || this.#stopped) return;
    this.#busy = true;
    const { key, leaseMs, clock } = this.#o;
    try {
      if (this.#value) {
        const renewed = await this.#o.run(RENEW, [key], [
          this.#value,
          String(leaseMs),
        ]);
        if (renewed === 1) {
          this.#renewedAt = clock.monotonic();
          this.#holder = this.#value;
        } else this.#lose();
      } else {
        const answer = await this.#o.run(ACQUIRE, [key, `${key}:token`], [
          this.#o.instanceId,
          String(leaseMs),
        ]);
        const [outcome, value] = Array.isArray(answer) ? answer : [];
        this.#holder = typeof value === "string" ? value : undefined;
        if (outcome === "won" && typeof value === "string" && !this.#stopped) {
          this.#value = value;
          this.#renewedAt = clock.monotonic();
          this.#o.onChange(true, value);
        }
      }
    } catch (error) {
      this.#holder = undefined;
      this.#o.onError?.(error);
      // Cannot reach Redis: step down before the lease can have run out,
      // so two instances never both believe they lead.
      if (this.#value && clock.monotonic() - this.#renewedAt >= leaseMs / 2) {
        this.#lose();
      }
    } finally {
      this.#busy = false;
    }
  }

  #lose(): void {
    if (!this.#value) return;
    this.#value = undefined;
    this.#holder = undefined;
    this.#o.onChange(false);
  }

  /** Stops campaigning and gives the lease up, so another takes over at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    const value = this.#value;
    if (!value) return;
    this.#value = undefined;
    this.#o.onChange(false);
    try {
      await this.#o.run(RELEASE, [this.#o.key], [value]);
    } catch (error) {
      this.#o.onError?.(error);
    }
  }
}
