/**
 * The publish window of one topic: coalesces offered states into at most
 * one delta per `batchMs`, hands each to the bus, and offers a refused
 * change again later. Its state is one `phase`, so "a timer is set", "a
 * flush is queued" and "a change is with the bus" cannot disagree.
 *
 * @module
 */
import {
  createMergePatch,
  isJsonObject,
  type JsonObject,
  type JsonValue,
} from "../protocol/mod.ts";
import { type Clock, isoTime, type TimerId } from "../time/mod.ts";
import type { BusChange } from "./bus.ts";

/**
 * Where a window is:
 * - `idle`: nothing scheduled (a change may still wait for the next offer);
 * - `queued`: a flush runs at the end of this turn;
 * - `waiting`: a timer runs until the window closes (or a retry is due);
 * - `publishing`: a change is with the bus and not yet settled.
 */
export type WindowPhase = "idle" | "queued" | "waiting" | "publishing";

/** What the window needs from its topic. */
export interface WindowTopic {
  /** The topic's name. */
  readonly name: string;
  /** The published state (what the next patch applies to). */
  readonly state: JsonObject;
  /** The published seq. */
  readonly seq: number;
}

/** Options for {@linkcode PublishWindow}. */
export interface PublishWindowOptions {
  /** Time source for the window and `ts`. */
  clock: Clock;
  /** The coalescing window, ms (see `HubOptions.batchMs`). */
  batchMs: number;
  /** The epoch of the changes. */
  epoch: () => string;
  /** Hands a change to the bus; a promise settles when the bus has. */
  send: (change: BusChange) => void | Promise<void>;
  /** Told when the bus refused a change; it is offered again later. */
  onRefused?: (error: unknown) => void;
}

/** How long a refused change waits before it is offered again, ms. */
const REPUBLISH_MS = 500;

/**
 * Coalesces and publishes the states offered for one topic.
 *
 * @example A burst inside one window goes out as one change
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "@/lib/time/mod.ts";
 * import { PublishWindow } from "@/lib/stream/publish_window.ts";
 * const clock = new FakeClock();
 * const sent: unknown[] = [];
 * const topic = { name: "t", state: { n: 0 }, seq: 1 };
 * const window = new PublishWindow(topic, {
 *   clock, batchMs: 100, epoch: () => "ep01", send: (c) => void sent.push(c.patch),
 * });
 * window.offer({ n: 1 });
 * window.offer({ n: 2 });
 * assert.equal(window.phase, "waiting"); // the creation opened a window
 * await clock.advance(100);
 * assert.deepEqual(sent, [{ n: 2 }]);
 * ```
 */
export class PublishWindow {
  #topic: WindowTopic;
  #o: PublishWindowOptions;
  #phase: WindowPhase = "idle";
  #pending?: JsonObject;
  /**
   * The patch `offer` found from the topic's state to the pending one, kept
   * while that state is still the topic's: a sparse change then costs one
   * diff, not two (diffing the P&L state was a seventh of publishing).
   */
  #pendingPatch?: { base: JsonObject; patch: JsonValue };
  /** The state with the bus, until it settles (newer than the topic's). */
  #sending?: JsonObject;
  #pendingSeq: number;
  #timer?: TimerId;
  /** When the last change went out, monotonic ms: its window runs from there. */
  #flushedAt: number;
  #inFlight?: Promise<void>;
  #closed = false;

  /** Creates the window; its creation opens one (see `HubOptions.batchMs`). */
  constructor(topic: WindowTopic, options: PublishWindowOptions) {
    this.#topic = topic;
    this.#o = options;
    this.#pendingSeq = topic.seq;
    // The start opens a window, so the first reads of every source after
    // a start go out together as one delta.
    this.#flushedAt = options.clock.monotonic();
  }

  /** Where the window is. */
  get phase(): WindowPhase {
    return this.#phase;
  }

  /** The change with the bus, until it settles. */
  get inFlight(): Promise<void> | undefined {
    return this.#inFlight;
  }

  /**
   * The newest state offered: the one waiting in the window, else the one
   * with the bus, else the published one. A contribution to the state is
   * made on this, so it can never put an older state over a newer one.
   */
  get latest(): JsonObject {
    return this.#pending ?? this.#sending ?? this.#topic.state;
  }

  /**
   * Offers a new state. After a quiet window it goes out at the end of
   * this turn; within a window, with the window's other changes when the
   * window closes. A state equal to the latest changes nothing.
   */
  offer(state: JsonObject): void {
    if (this.#closed) return;
    const base = this.#pending ?? this.#topic.state;
    const patch = createMergePatch(base, state);
    if (patch === undefined) return;
    this.#pending = state;
    this.#pendingPatch = base === this.#topic.state
      ? { base, patch }
      : undefined;
    this.#pendingSeq += 1;
    if (this.#phase !== "idle") return;
    const wait = this.#flushedAt + this.#o.batchMs - this.#o.clock.monotonic();
    if (wait > 0) {
      this.#wait(wait);
      return;
    }
    // No timer: a sparse change goes out without waiting, and without the
    // event-loop wakeup a timer costs.
    this.#phase = "queued";
    queueMicrotask(() => {
      if (this.#phase === "queued") this.flush();
    });
  }

  /**
   * Publishes what waits now (on shutdown, or when the window closes);
   * nothing while a change is with the bus (it goes out after).
   */
  flush(): void {
    if (this.#phase === "publishing" || this.#closed) return;
    this.#cancelTimer();
    this.#phase = "idle";
    const next = this.#pending;
    if (!next) return;
    this.#pending = undefined;
    const known = this.#pendingPatch;
    this.#pendingPatch = undefined;
    const patch = known?.base === this.#topic.state
      ? known.patch
      : createMergePatch(this.#topic.state, next);
    if (!isJsonObject(patch)) {
      this.#pendingSeq = this.#topic.seq; // the window's changes cancelled out
      return;
    }
    this.#flushedAt = this.#o.clock.monotonic();
    const change: BusChange = {
      topic: this.#topic.name,
      epoch: this.#o.epoch(),
      base: this.#topic.seq,
      seqHint: this.#pendingSeq,
      ts: isoTime(this.#o.clock.now()),
      patch,
      state: next,
    };
    let result: void | Promise<void>;
    try {
      result = this.#o.send(change);
    } catch (error) {
      this.#refused(next, error);
      return;
    }
    if (!(result instanceof Promise)) return;
    this.#phase = "publishing";
    this.#sending = next;
    this.#inFlight = result.then(
      () => {
        this.#settle();
        if (this.#pending !== undefined) this.#wait(this.#o.batchMs);
      },
      (error) => {
        this.#settle();
        this.#refused(next, error);
      },
    );
  }

  /**
   * The topic's seq moved (a delta was applied, or a resync replaced the
   * state): the next change's seq counts from there.
   */
  rebase(seq: number): void {
    this.#pendingSeq = this.#pending === undefined ? seq : seq + 1;
  }

  /** Stops the timer; nothing more is published. */
  close(): void {
    this.#closed = true;
    this.#cancelTimer();
  }

  #settle(): void {
    this.#phase = "idle";
    this.#inFlight = undefined;
    this.#sending = undefined;
  }

  /** Keeps the newest state offered and tries again a little later. */
  #refused(next: JsonObject, error: unknown): void {
    if (this.#closed) return;
    this.#pending ??= next;
    this.#o.onRefused?.(error);
    this.#wait(Math.max(this.#o.batchMs, REPUBLISH_MS));
  }

  #wait(ms: number): void {
    if (this.#closed || this.#phase === "waiting") return;
    this.#phase = "waiting";
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, ms);
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
