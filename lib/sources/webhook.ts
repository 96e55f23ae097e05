/**
 * Push sources: figures that arrive at `POST /api/ingest/:source`, signed
 * like Stripe's webhooks. The signature is checked over the raw bytes
 * before anything parses them; the event is deduplicated on its id and
 * stored before the sender hears 2xx. Over 350 lines: the kind's fields,
 * the event parser and the source are one contract; Stripe's native
 * events ([real-accounts]) will move event parsing to its own file.
 *
 * @module
 */
import { ledgerMovements } from "./ledger_movements.ts";
import { acceptDelivery } from "./ingest/accept_delivery.ts";
import { isoTime, ReportingCalendar } from "../time/mod.ts";
import {
  addToBuckets,
  type FlowBuckets,
  ledgerOf,
  mergeBuckets,
  readBuckets,
} from "./flow_buckets.ts";
import { readAmount, readTimestamp } from "./amount.ts";
import { defineKind, readSecret } from "./kind.ts";
import type {
  FlowHistory,
  ReadContext,
  Reading,
  Source,
  SourceNature,
} from "./source.ts";
import { envName, int, oneOf } from "../spec/mod.ts";
import { UpstreamDataError } from "./upstream_http.ts";
import {
  IngestError,
  type IngestResult,
  type IngestStore,
} from "./ingest/ingest_store.ts";

/** How far an event's `asOf` may be ahead of this server's clock, ms. */
export const FUTURE_SKEW_MS = 300_000;

const fields = {
  secretEnv: {
    type: envName,
    description:
      "Environment variable holding the signing secret (the whole string, any whsec_ prefix included)",
  },
  previousSecretEnv: {
    type: envName,
    optional: true,
    description:
      "Environment variable holding the previous secret, still accepted while senders rotate",
  },
  mode: {
    type: oneOf(["total", "increment"] as const),
    default: "total" as "total" | "increment",
    description:
      'What an event\'s amount is: "total" (the figure itself; the newest asOf wins) or "increment" (added to the figure; negative for refunds)',
  },
  toleranceS: {
    type: int(1, 3600),
    default: 300,
    description:
      "How far the signed timestamp may be from the server's time, either way, in seconds",
  },
  maxBodyBytes: {
    type: int(64, 1_048_576),
    default: 65_536,
    description: "Largest accepted event body, bytes",
  },
};

const EVENT_FIELDS = ["id", "amountMinor", "amount", "currency", "asOf"];

/** The `webhook` source kind. */
export const webhookKind = defineKind({
  kind: "webhook",
  description:
    "Figures pushed to POST /api/ingest/<id>, signed with HMAC-SHA256 like Stripe's webhooks",
  fields,
  defaultIntervalMs: 5_000,
  pushed: true,
  create(common, settings, deps): Promise<Source> {
    const secrets = [
      readSecret(deps, settings.secretEnv, `${common.path}.secretEnv`),
    ];
    if (settings.previousSecretEnv) {
      secrets.push(
        readSecret(
          deps,
          settings.previousSecretEnv,
          `${common.path}.previousSecretEnv`,
        ),
      );
    }
    return Promise.resolve(
      new WebhookSource({
        id: common.id,
        role: common.role,
        currency: common.currency,
        secrets,
        mode: settings.mode,
        toleranceS: settings.toleranceS,
        maxBodyBytes: settings.maxBodyBytes,
        store: deps.ingest,
        clock: deps.clock,
        lastKnown: deps.lastKnown?.(common.id),
        calendar: deps.calendar,
      }),
    );
  },
});

/** Options for {@linkcode WebhookSource}. */
export interface WebhookSourceOptions {
  /** Source id (the `:source` in the URL). */
  id: string;
  /** How the amount enters the P&L. */
  role: Reading["role"];
  /** The currency events must be in. */
  currency: string;
  /** Accepted secrets. */
  secrets: readonly string[];
  /** Total or increment. */
  mode: "total" | "increment";
  /** Timestamp window, seconds. */
  toleranceS: number;
  /** Largest body, bytes. */
  maxBodyBytes: number;
  /** Durable storage. */
  store: IngestStore;
  /** Time source. */
  clock: { now(): number };
  /**
   * The figure shown for this source before this start, if any: with it,
   * a store that has nothing (a Redis that lost its data) makes the source
   * stale instead of a live zero.
   */
  lastKnown?: number;
  /**
   * The board's reporting calendar: increments are kept by when they
   * happened, compacted into its days past 35 days.
   * @default {a UTC calendar}
   */
  calendar?: ReportingCalendar;
}

/** What is stored for a webhook source: its reading, and an increment's movements. */
type Stored = Reading & { buckets?: FlowBuckets };

/** One delivery, as the body said it. */
type Delivery = { id: string; amountMinor: number; asOf: string };

/**
 * A source whose figure is pushed to it.
 *
 * @example An increment, signed and stored
 * ```ts
 * import assert from "node:assert/strict";
 * import { SqliteStore } from "@/lib/store/mod.ts";
 * import { signWebhook } from "@/lib/security/mod.ts";
 * import { WebhookSource } from "@/lib/sources/webhook.ts";
 * using store = SqliteStore.open(":memory:");
 * const clock = { now: () => 1_700_000_000_000 };
 * const shop = new WebhookSource({
 *   id: "shop", role: "revenue", currency: "USD", secrets: ["whsec_x"],
 *   mode: "increment", toleranceS: 300, maxBodyBytes: 65536,
 *   store: store.ingest, clock,
 * });
 * const body = new TextEncoder().encode('{"id":"evt_1","amount":"12.50"}');
 * const header = await signWebhook("whsec_x", 1_700_000_000, body);
 * assert.equal((await shop.ingest(body, header)).reading.amountMinor, 1250);
 * assert.equal((await shop.read()).amountMinor, 1250);
 * ```
 */
export class WebhookSource implements Source {
  readonly kind = "webhook";
  readonly id: string;
  readonly role: Reading["role"];
  /** An increment's events are a flow; a `total` is a balance (a stock). */
  readonly nature: SourceNature;
  #o: WebhookSourceOptions;
  #calendar: ReportingCalendar;
  #started: number;
  #hadFigure = false;
  /** The kept movements as of the last read (an increment's). */
  #flows?: FlowHistory;

  /** Creates the source. */
  constructor(options: WebhookSourceOptions) {
    this.id = options.id;
    this.role = options.role;
    this.nature = options.mode === "increment" ? "flow" : "stock";
    this.#o = options;
    this.#calendar = options.calendar ?? new ReportingCalendar();
    this.#started = options.clock.now();
  }

  /** An increment's kept movements, as of its last read. */
  flows(): FlowHistory | undefined {
    return this.nature === "flow" ? this.#flows : undefined;
  }

  /** Largest accepted body, bytes. */
  get maxBodyBytes(): number {
    return this.#o.maxBodyBytes;
  }

  /**
   * The figure the stored events add up to. An `increment` source starts
   * at zero; a `total` source has no figure before its first event.
   */
  async read(_signal?: AbortSignal, context?: ReadContext): Promise<Reading> {
    const stored = await this.#o.store.latest<Stored>(
      this.id,
      (a, b) => this.#merge(a, b),
    );
    if (stored) {
      this.#hadFigure = true;
      return this.#withPeriods(stored, context);
    }
    // A figure that existed and is gone means the store lost it (a Redis
    // emptied with no copy left): stale with the last figure, not zero.
    if (this.#hadFigure || (this.#o.lastKnown ?? 0) !== 0) {
      throw new UpstreamDataError(
        `the stored figure of /api/ingest/${this.id} is missing (was Redis emptied?); the last one is kept until it is restored or an event arrives`,
      );
    }
    if (this.#o.mode === "increment") {
      return this.#withPeriods(
        { ...this.#reading(0, isoTime(this.#started)), buckets: [] },
        context,
      );
    }
    throw new UpstreamDataError(
      `no event received yet at /api/ingest/${this.id}`,
    );
  }

  /**
   * Verifies, parses, deduplicates and stores one delivery.
   *
   * @param body The raw request bytes.
   * @param signature The signature header's value.
   * @returns What the event did.
   * @throws {IngestError} For anything refused; nothing is stored then.
   */
  async ingest(
    body: Uint8Array,
    signature: string | null,
  ): Promise<IngestResult> {
    const o = this.#o;
    const outcome = await acceptDelivery<Delivery, Stored>(
      {
        source: this.id,
        secrets: o.secrets,
        clock: o.clock,
        toleranceS: o.toleranceS,
        maxBodyBytes: o.maxBodyBytes,
        store: o.store,
        noun: "the body",
        redelivery: "deliver it again later",
        parse: (bytes) => this.#parse(bytes),
        apply: (previous, event, now) => this.#apply(previous, event, now),
        merge: (a, b) => this.#merge(a, b),
      },
      body,
      signature,
    );
    const { event } = outcome;
    const { buckets: _, ...reading } = outcome.value;
    return { id: event.id, duplicate: outcome.duplicate, reading };
  }

  /** The stored figure after a new delivery. */
  #apply(previous: Stored | undefined, event: Delivery, now: number): Stored {
    const o = this.#o;
    if (o.mode === "increment") {
      const amountMinor = (previous?.amountMinor ?? 0) + event.amountMinor;
      if (!Number.isSafeInteger(amountMinor)) {
        throw new IngestError(
          400,
          "invalid",
          "the running total would leave the safe integer range",
        );
      }
      const asOf = previous && previous.asOf > event.asOf
        ? previous.asOf
        : event.asOf;
      // Counted in the period of the event's own time, not of its
      // arrival (a late delivery lands where it belongs).
      return {
        ...this.#reading(amountMinor, asOf),
        buckets: addToBuckets(
          readBuckets(previous?.buckets) ?? [],
          Date.parse(event.asOf),
          event.amountMinor,
          { calendar: this.#calendar, now },
        ),
      };
    }
    // Deliveries may arrive out of order: the newest figure wins.
    if (previous && previous.asOf > event.asOf) return previous;
    return this.#reading(event.amountMinor, event.asOf);
  }

  /**
   * The stored figure as a reading: an increment's with its periods (when
   * its movements were kept; a figure stored by an older version has none
   * and counts whole), a total's as the balance it is.
   */
  #withPeriods(stored: Stored, context?: ReadContext): Reading {
    const { buckets, ...reading } = stored;
    if (this.nature === "stock") return { ...reading, nature: "stock" };
    const kept = readBuckets(buckets);
    if (!kept) return { ...reading, nature: "flow" };
    const ledger = ledgerOf(kept);
    this.#flows = {
      currency: reading.currency,
      sum: (w) => ledger.sum(w),
      // Kept by quarter hour (by day after 35 days): one movement a bucket.
      movements: ledgerMovements(ledger, {
        describe: () => ({ what: "Pushed amounts" }),
      }),
    };
    if (!context) return { ...reading, nature: "flow" };
    const periods = ledger.periods(context.periods);
    return {
      ...reading,
      nature: "flow",
      amountMinor: periods.today.amountMinor,
      periods,
      periodsAt: isoTime(context.periods.today.at),
    };
  }

  /**
   * Two instances' shares of the figure as one: an increment's amounts
   * and movements added, a total's newest figure.
   */
  #merge(a: Stored, b: Stored): Stored {
    const later = b.asOf > a.asOf ? b : a;
    if (this.#o.mode === "total") return later;
    const ab = readBuckets(a.buckets);
    const bb = readBuckets(b.buckets);
    const { buckets: _, ...reading } = later;
    return {
      ...reading,
      amountMinor: a.amountMinor + b.amountMinor,
      // A share stored by an older version has no movements: whole, then.
      ...(ab && bb ? { buckets: mergeBuckets(ab, bb) } : {}),
    };
  }

  #reading(amountMinor: number, asOf: string): Reading {
    return {
      source: this.id,
      role: this.role,
      amountMinor,
      currency: this.#o.currency,
      asOf,
    };
  }

  #parse(body: Uint8Array): Delivery {
    const bad = (message: string) => new IngestError(400, "invalid", message);
    let event: unknown;
    try {
      event = JSON.parse(
        new TextDecoder("utf-8", { fatal: true }).decode(body),
      );
    } catch {
      throw bad("the body is not JSON (UTF-8)");
    }
    if (typeof event !== "object" || event === null || Array.isArray(event)) {
      throw bad(
        'the body must be a JSON object such as {"id":"evt_1","amountMinor":1250}',
      );
    }
    const e = event as Record<string, unknown>;
    const unknown = Object.keys(e).filter((k) => !EVENT_FIELDS.includes(k));
    if (unknown.length) {
      throw bad(
        `unknown field "${unknown[0]}"; an event has ${
          EVENT_FIELDS.map((f) => `"${f}"`).join(", ")
        }`,
      );
    }
    if (typeof e.id !== "string" || !/^[\x21-\x7e]{1,200}$/.test(e.id)) {
      throw bad(
        '"id" must be a string of 1 to 200 printable characters (the event id, used to drop redeliveries)',
      );
    }
    if ((e.amountMinor === undefined) === (e.amount === undefined)) {
      throw bad(
        'give exactly one of "amountMinor" (integer minor units) or "amount" (a decimal string in major units)',
      );
    }
    const currency = e.currency ?? this.#o.currency;
    if (currency !== this.#o.currency) {
      throw bad(
        `"currency" is ${
          JSON.stringify(currency)
        }; source "${this.id}" takes ${this.#o.currency}`,
      );
    }
    try {
      const amountMinor = e.amountMinor !== undefined
        ? (typeof e.amountMinor === "number"
          ? readAmount(
            e.amountMinor,
            "minor",
            this.#o.currency,
            '"amountMinor"',
          )
          : (() => {
            throw new UpstreamDataError('"amountMinor" must be an integer');
          })())
        : typeof e.amount === "string"
        ? readAmount(e.amount, "major", this.#o.currency, '"amount"')
        : (() => {
          throw new UpstreamDataError(
            '"amount" must be a decimal string such as "12.50"',
          );
        })();
      const now = this.#o.clock.now();
      const asOf = e.asOf === undefined
        ? isoTime(now)
        : readTimestamp(e.asOf, "iso", '"asOf"');
      // A `total` dated in the future would pin the figure until that date
      // (the newest wins); the sender's clock may run a little ahead.
      const aheadMs = Date.parse(asOf) - now;
      if (aheadMs > FUTURE_SKEW_MS) {
        throw bad(
          `"asOf" is ${asOf}, ${
            Math.round(aheadMs / 1000)
          } s after this server's time ${isoTime(now)}; events may be at most ${
            FUTURE_SKEW_MS / 1000
          } s ahead (check the sender's clock)`,
        );
      }
      return { id: e.id, amountMinor, asOf };
    } catch (error) {
      if (error instanceof UpstreamDataError) throw bad(error.message);
      throw error;
    }
  }
}
