/**
 * A bounded history of published deltas for one topic, by count and by age.
 *
 * @module
 */
import type { HubMessage } from "./hub_message.ts";

/** Options for {@linkcode DeltaHistory}. */
export interface DeltaHistoryOptions {
  /**
   * Most deltas kept.
   * @default {1000}
   */
  maxCount?: number;
  /**
   * Oldest delta kept, in milliseconds.
   * @default {300000}
   */
  maxAgeMs?: number;
}

interface Entry {
  message: HubMessage;
  at: number;
}

/**
 * Recent deltas, so a reconnecting client gets exactly what it missed.
 *
 * @example Resume from a position still in history
 * ```ts
 * import assert from "node:assert/strict";
 * import { DeltaHistory } from "@/lib/stream/history.ts";
 * import { createHubMessage } from "@/lib/stream/hub_message.ts";
 * const h = new DeltaHistory({ maxCount: 2 });
 * const msg = (base: number, seq: number) =>
 *   createHubMessage({ type: "delta", topic: "t", epoch: "e123", seq, base, ts: "", patch: {} });
 * h.append(msg(1, 2), 0);
 * h.append(msg(2, 4), 0);
 * h.append(msg(4, 5), 0);
 * assert.equal(h.since(1, 0), undefined); // fell out of history
 * assert.deepEqual(h.since(2, 0)?.map((m) => m.envelope.seq), [4, 5]);
 * ```
 */
export class DeltaHistory {
  #entries: Entry[] = [];
  #maxCount: number;
  #maxAgeMs: number;

  /** Creates an empty history. */
  constructor(options: DeltaHistoryOptions = {}) {
    const { maxCount = 1000, maxAgeMs = 300_000 } = options;
    if (!Number.isInteger(maxCount) || maxCount < 0) {
      throw new RangeError(
        `Cannot create delta history: 'maxCount' must be a non-negative integer, received ${maxCount}`,
      );
    }
    if (!(maxAgeMs >= 0)) {
      throw new RangeError(
        `Cannot create delta history: 'maxAgeMs' must be a non-negative number, received ${maxAgeMs}`,
      );
    }
    this.#maxCount = maxCount;
    this.#maxAgeMs = maxAgeMs;
  }

  /** How many deltas are held. */
  get size(): number {
    return this.#entries.length;
  }

  /** Records a published delta at time `now`. */
  append(message: HubMessage, now: number): void {
    this.#entries.push({ message, at: now });
    this.#prune(now);
  }

  /** Forgets everything (the epoch started over). */
  clear(): void {
    this.#entries = [];
  }

  /**
   * The deltas after position `since`, in order, or `undefined` when that
   * position is no longer (or never was) a boundary in history.
   */
  since(since: number, now: number): HubMessage[] | undefined {
    this.#prune(now);
    // From the newest back: a client that keeps up (every long-poll, most
    // resumes) is within the last few entries, not at the oldest.
    const entries = this.#entries;
    let index = entries.length - 1;
    while (index >= 0) {
      const envelope = entries[index]!.message.envelope;
      if ("base" in envelope && envelope.base === since) break;
      index--;
    }
    if (index < 0) return undefined;
    const found: HubMessage[] = [];
    for (let i = index; i < entries.length; i++) {
      found.push(entries[i]!.message);
    }
    return found;
  }

  #prune(now: number): void {
    const cutoff = now - this.#maxAgeMs;
    let drop = Math.max(0, this.#entries.length - this.#maxCount);
    while (
      drop < this.#entries.length && (this.#entries[drop] as Entry).at < cutoff
    ) drop++;
    if (drop > 0) this.#entries.splice(0, drop);
  }
}
