/**
 * One timer for every connection's heartbeat. A timer per connection costs
 * memory in the runtime and in the heap for each of thousands of idle
 * sockets; one shared tick that asks each connection whether it has been
 * silent long enough costs a loop, and only while anyone is connected.
 *
 * @module
 */
import type { Clock, TimerId } from "../time/mod.ts";

/** A connection that sends heartbeats on silence. */
export interface Beating {
  /**
   * Called on every tick with the current time; sends a heartbeat when the
   * connection has been silent for its interval.
   */
  beat(now: number): void;
}

/** Options for {@linkcode HeartbeatTicker}. */
export interface HeartbeatTickerOptions {
  /** Time source for the tick. */
  clock: Clock;
  /**
   * The heartbeat interval the members use, ms. The tick is a tenth of it,
   * from 10 ms up to one second, so a heartbeat goes out at most that much
   * after the interval of silence.
   */
  heartbeatMs: number;
}

/**
 * Ticks for its members while it has any; stops by itself when the last
 * one leaves, so nothing outlives the connections.
 *
 * @example One tick, two members
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "@/lib/time/mod.ts";
 * import { HeartbeatTicker } from "@/lib/stream/heartbeat_ticker.ts";
 * const clock = new FakeClock();
 * const ticker = new HeartbeatTicker({ clock, heartbeatMs: 10_000 });
 * const beats: string[] = [];
 * const a = { beat: () => void beats.push("a") };
 * const b = { beat: () => void beats.push("b") };
 * ticker.add(a);
 * ticker.add(b);
 * assert.equal(ticker.tickMs, 1000);
 * await clock.advance(1000);
 * assert.deepEqual(beats, ["a", "b"]);
 * ticker.delete(a);
 * ticker.delete(b);
 * assert.equal(clock.pendingTimers, 0);
 * ```
 */
export class HeartbeatTicker {
  #clock: Clock;
  #members = new Set<Beating>();
  #timer?: TimerId;
  /** How often members are asked, ms. */
  readonly tickMs: number;

  /** A ticker for members using `heartbeatMs`. */
  constructor(options: HeartbeatTickerOptions) {
    const { clock, heartbeatMs } = options;
    if (!(heartbeatMs > 0)) {
      throw new RangeError(
        `Cannot create heartbeat ticker: 'heartbeatMs' must be a positive number of ms, received ${heartbeatMs}`,
      );
    }
    this.#clock = clock;
    this.tickMs = Math.min(1000, Math.max(10, Math.round(heartbeatMs / 10)));
  }

  /** How many connections it ticks for. */
  get size(): number {
    return this.#members.size;
  }

  /** Starts ticking for `member`. */
  add(member: Beating): void {
    this.#members.add(member);
    if (this.#timer === undefined) this.#schedule();
  }

  /** Stops ticking for `member`; the timer stops with the last one. */
  delete(member: Beating): void {
    this.#members.delete(member);
    if (this.#members.size === 0 && this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #schedule(): void {
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      const now = this.#clock.monotonic();
      for (const member of this.#members) {
        try {
          member.beat(now);
        } catch {
          // One broken connection must not silence the others; its own
          // failed write ends it.
        }
      }
      if (this.#members.size > 0 && this.#timer === undefined) {
        this.#schedule();
      }
    }, this.tickMs);
  }
}
