/**
 * Delivers the outbox: each due item is sent through its channel; a
 * receiver that takes it settles it for good, one that may take it later
 * gets it again after a capped, jittered backoff (or the wait its
 * `Retry-After` asks for), and one that never will, or is still failing
 * after `giveUpMs`, is given up and recorded. Runs only where the alerts
 * are evaluated (the leader), so a cluster sends each item once.
 *
 * @module
 */
import { backoffDelay } from "../resilience/mod.ts";
import type { Clock, TimerId } from "../time/mod.ts";
import type { AlertStore, OutboxItem } from "./alert_store.ts";
import { DeliveryError, sendNotification } from "./channels.ts";
import type { Notice } from "./notification.ts";
import type { ChannelSpec } from "./channel_spec.ts";

/** Options for {@linkcode Deliverer}. */
export interface DelivererOptions {
  store: AlertStore;
  channels: readonly ChannelSpec[];
  clock: Clock;
  /** Uniform random numbers in [0, 1), for the jitter. */
  random: () => number;
  /** The fetch to use. @default {globalThis.fetch} */
  fetch?: typeof fetch;
  /**
   * Time limit of one attempt, ms.
   * @default {10000}
   */
  timeoutMs?: number;
  /**
   * First and longest backoff, ms.
   * @default {{ minMs: 1000, maxMs: 300000 }}
   */
  backoff?: { minMs: number; maxMs: number };
  /**
   * How long an item is retried before it is given up, ms.
   * @default {86400000}
   */
  giveUpMs?: number;
  /**
   * How often due items are looked for when nothing wakes the deliverer, ms.
   * @default {1000}
   */
  everyMs?: number;
  /** Told when the store fails (the pass is tried again later). */
  onError?: (error: Error) => void;
  /** Told of each attempt's outcome (metrics, logs). */
  onOutcome?: (
    item: OutboxItem,
    outcome: "delivered" | "retry" | "failed",
    error?: Error,
  ) => void;
}

/** Sends what the outbox holds, while started. */
export class Deliverer {
  #o: DelivererOptions;
  #channels: Map<string, ChannelSpec>;
  #timer?: TimerId;
  #running?: Promise<void>;
  #again = false;
  #abort?: AbortController;

  /** Creates the deliverer (stopped). */
  constructor(options: DelivererOptions) {
    this.#o = options;
    this.#channels = new Map(options.channels.map((c) => [c.id, c]));
  }

  /** Starts delivering (this instance leads). */
  start(): void {
    if (this.#abort) return;
    this.#abort = new AbortController();
    this.kick();
  }

  /** Stops; an attempt under way is aborted and retried later. */
  stop(): void {
    this.#abort?.abort(new Error("alert delivery stopped"));
    this.#abort = undefined;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Looks for due items now (something was just enqueued). */
  kick(): void {
    if (!this.#abort) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    // A store that fails (Redis down) is reported; the next pass tries
    // again.
    this.#running = this.#pass().catch((error) =>
      this.#o.onError?.(
        error instanceof Error ? error : new Error(String(error)),
      )
    ).finally(() => {
      this.#running = undefined;
      if (!this.#abort) return;
      if (this.#again) {
        this.#again = false;
        this.kick();
        return;
      }
      this.#timer = this.#o.clock.setTimeout(
        () => this.kick(),
        this.#o.everyMs ?? 1_000,
      );
    });
  }

  /** Resolves when the pass under way (if any) is over. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Sends every due item once. */
  async #pass(): Promise<void> {
    const { store, clock } = this.#o;
    const signal = this.#abort?.signal;
    for (const item of await store.due(clock.now(), 50)) {
      if (!signal || signal.aborted) return;
      await this.#attempt(item, signal);
    }
  }

  async #attempt(item: OutboxItem, signal: AbortSignal): Promise<void> {
    const { store, clock, random, onOutcome } = this.#o;
    const attempts = item.attempts + 1;
    const channel = this.#channels.get(item.channel);
    if (!channel) {
      const error = new Error(
        `the channel "${item.channel}" is no longer in the sources file`,
      );
      await store.settle(item, {
        failedAt: clock.now(),
        attempts,
        error: error.message,
      });
      onOutcome?.(item, "failed", error);
      return;
    }
    const limit = new AbortController();
    const timeoutMs = this.#o.timeoutMs ?? 10_000;
    const timer = clock.setTimeout(
      () => limit.abort(new Error(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const timeout = AbortSignal.any([signal, limit.signal]);
    let failure: Error | undefined;
    try {
      await sendNotification(
        channel,
        JSON.parse(item.body) as Notice,
        { fetch: this.#o.fetch, signal: timeout, now: clock.now() },
      );
    } catch (cause) {
      failure = cause instanceof Error ? cause : new Error(String(cause));
    } finally {
      clock.clearTimeout(timer);
    }
    // Stopped (no longer leading) mid-attempt: the next leader sends it.
    if (failure && signal.aborted) return;
    if (!failure) {
      // Recorded apart from the send: a store that fails here must not
      // make a delivered notification look failed (it would go again).
      await store.settle(item, { deliveredAt: clock.now(), attempts });
      onOutcome?.(item, "delivered");
      return;
    }
    const retryable = !(failure instanceof DeliveryError) || failure.retryable;
    const now = clock.now();
    const { minMs = 1_000, maxMs = 300_000 } = this.#o.backoff ?? {};
    const wait = Math.max(
      backoffDelay(item.attempts, random, { minMs, maxMs }),
      failure instanceof DeliveryError ? failure.retryAfterMs ?? 0 : 0,
    );
    if (
      !retryable ||
      now + wait - item.createdAt > (this.#o.giveUpMs ?? 86_400_000)
    ) {
      await store.settle(item, {
        failedAt: now,
        attempts,
        error: failure.message,
      });
      onOutcome?.(item, "failed", failure);
    } else {
      await store.settle(item, {
        nextAt: now + wait,
        attempts,
        error: failure.message,
      });
      onOutcome?.(item, "retry", failure);
    }
  }
}
