/**
 * Stripe revenue: the sum of balance transactions since a configured
 * start, in the currency's minor units (Stripe's currency exceptions in
 * `stripe_money.ts`), counted by period from when each was created. The
 * first sync pages through everything since the start, each page its own
 * guarded request, saved page by page so it goes on after a failure, a
 * restart or a change of leader; later reads fetch only what is new.
 * Stripe's own event deliveries are taken by `stripe_events.ts`; what is
 * counted as revenue, and where the rest is shown, by
 * `stripe_categories.ts`. Over 350 lines: the kind's fields, the pass
 * through the list and its saved progress share one state; the saved
 * sync is the seam to split along.
 *
 * @module
 */
import { isoTime, normalizeTimestamp } from "../../time/mod.ts";
import { fromStripeAmount } from "./stripe_money.ts";
import {
  type ClassifiedTxn,
  NotCounted,
  type StripeCategoryGroup,
  stripeCounts,
} from "./stripe_categories.ts";
import { mapPeriods } from "../period_windows.ts";
import { FlowLedger } from "../flow_ledger.ts";
import { ledgerMovements } from "../ledger_movements.ts";
import {
  describeStripe,
  type StripeNote,
  stripeNote,
  stripeNoteData,
  stripeNoteOf,
} from "./stripe_movements.ts";
import { defineKind, readSecret } from "../kind.ts";
import type {
  FlowHistory,
  ReadContext,
  Reading,
  Source,
  SyncProgress,
  UpstreamRequest,
} from "../source.ts";
import { StripeEvents } from "./stripe_events.ts";
import type { IngestResult, IngestStore } from "../ingest/ingest_store.ts";
import type { SyncedMovement, SyncStore } from "../sync_store.ts";
import {
  envName,
  httpUrl,
  int,
  isoDate,
  listOf,
  oneOf,
  str,
} from "../../spec/mod.ts";
import {
  arrayField,
  fetchJson,
  field,
  UpstreamDataError,
} from "../upstream_http.ts";

const categoryName = str({
  pattern: /^[a-z_]+$/,
  maxLength: 80,
  words: 'a reporting category such as "charge"',
});

const typeName = str({
  pattern: /^[a-z_]+$/,
  maxLength: 80,
  words: 'a balance transaction type such as "charge"',
});

const fields = {
  keyEnv: {
    type: envName,
    description:
      "Environment variable holding a secret or restricted key (sk_... or rk_...) that may read balance transactions",
  },
  baseUrl: {
    type: httpUrl,
    default: "https://api.stripe.com",
    description: "API base URL (for a proxy or a local mock)",
  },
  since: {
    type: isoDate,
    description: "Count transactions created at or after this instant",
  },
  amountField: {
    type: oneOf(["net", "amount"] as const),
    default: "net" as "net" | "amount",
    description: "net (after Stripe's fees) or amount (gross)",
  },
  categories: {
    type: listOf(categoryName),
    optional: true,
    description:
      "Only these reporting categories (Stripe's accounting classification); by default charges, refunds, disputes, fees and platform earnings, never payouts, transfers, top-ups, financing, reserves or Issuing",
  },
  types: {
    type: listOf(typeName),
    optional: true,
    description:
      "Only these transaction types (instead of categories, which Stripe recommends for accounting)",
  },
  stripeVersion: {
    type: str({ maxLength: 60, words: 'an API version such as "2024-06-20"' }),
    optional: true,
    description: "The Stripe-Version header; the account's default when absent",
  },
  webhookSecretEnv: {
    type: envName,
    optional: true,
    description:
      "Environment variable holding the signing secret (whsec_...) of a Stripe webhook endpoint pointed at /api/ingest/<id>: its events make the source read at once",
  },
  previousWebhookSecretEnv: {
    type: envName,
    optional: true,
    description:
      "Environment variable holding the previous signing secret, accepted while Stripe rolls it",
  },
  maxPages: {
    type: int(1, 100_000),
    default: 1000,
    description:
      "Most pages of 100 in one pass through the list; a list that never ends is an error after this",
  },
  pagesPerRead: {
    type: int(1, 10_000),
    default: 25,
    description:
      "Pages read per read: a longer first sync shows what it has so far, marked syncing, and goes on at once (each page its own request, resumed where it stopped)",
  },
};

/** The `stripe` source kind. */
export const stripeKind = defineKind({
  kind: "stripe",
  description:
    "Stripe revenue: balance transactions since a start date, net or gross",
  fields,
  defaultIntervalMs: 30_000,
  defaultRequestsPerSecond: 20,
  create(common, settings, deps): Promise<Source> {
    const key = readSecret(deps, settings.keyEnv, `${common.path}.keyEnv`);
    const secrets = [
      settings.webhookSecretEnv &&
      readSecret(
        deps,
        settings.webhookSecretEnv,
        `${common.path}.webhookSecretEnv`,
      ),
      settings.previousWebhookSecretEnv &&
      readSecret(
        deps,
        settings.previousWebhookSecretEnv,
        `${common.path}.previousWebhookSecretEnv`,
      ),
    ].filter((s): s is string => typeof s === "string");
    const { webhookSecretEnv: _w, previousWebhookSecretEnv: _p, ...rest } =
      settings;
    return Promise.resolve(
      new StripeSource({
        id: common.id,
        role: common.role,
        currency: common.currency,
        key,
        ...rest,
        clock: deps.clock,
        fetch: deps.fetch,
        ...(deps.sync ? { sync: deps.sync } : {}),
        ...(secrets.length > 0
          ? { webhook: { secrets, store: deps.ingest } }
          : {}),
      }),
    );
  },
});

/** Options for {@linkcode StripeSource}. */
export interface StripeSourceOptions {
  /** Source id. */
  id: string;
  /** How the amount enters the P&L. */
  role: Reading["role"];
  /** The currency counted (others are filtered out by the query). */
  currency: string;
  /** Secret key. */
  key: string;
  /** API base URL. */
  baseUrl: string;
  /** Start, ISO-8601 UTC. */
  since: string;
  /** Net or gross. */
  amountField: "net" | "amount";
  /** Included reporting categories; undefined = {@linkcode STRIPE_REVENUE_CATEGORIES}. */
  categories?: string[];
  /** Included types instead of categories. */
  types?: string[];
  /** Stripe-Version header. */
  stripeVersion?: string;
  /** Most pages of one pass through the list (a list that never ends is an error). */
  maxPages: number;
  /**
   * Pages read per read; a longer first sync returns what it has, marked
   * syncing, and goes on at once.
   * @default {25}
   */
  pagesPerRead?: number;
  /** Time source. */
  clock: { now(): number };
  /** The fetch to use. */
  fetch?: typeof fetch;
  /**
   * Stripe's event deliveries: the signing secrets and where event ids
   * are kept. Absent: the source only polls.
   */
  webhook?: { secrets: readonly string[]; store: IngestStore };
  /** Where the sync is kept page by page; absent: in memory only. */
  sync?: SyncStore;
}

/** The sync record saved page by page. */
interface SavedState {
  key?: string;
  version?: number;
  watermark?: number;
  atWatermark?: string[];
  pass?: {
    after?: string;
    pages: number;
    items: number;
    newest: number;
    newestIds: string[];
  };
}

/** Sums an account's balance transactions, incrementally. */
export class StripeSource implements Source {
  readonly kind = "stripe";
  readonly nature = "flow";
  /** Each page is its own guarded request (see UpstreamRequest). */
  readonly pagesItself = true;
  readonly id: string;
  readonly role: Reading["role"];
  #o: StripeSourceOptions;
  #total = 0;
  #count = 0;
  /** Every transaction counted, by when it was created. */
  #ledger = new FlowLedger<StripeNote>();
  /** The saved sync's version this instance holds (see SyncStore). */
  #version = 0;
  /** Newest `created` counted, Unix s, and the ids counted at that second. */
  #watermark: number;
  #atWatermark = new Set<string>();
  /** A pass through the list not finished yet (a first sync, a catch-up). */
  #pass?: {
    after?: string;
    pages: number;
    items: number;
    newest: number;
    newestIds: Set<string>;
  };
  /** Whether a transaction (its type, category and balance) is counted. */
  #include: (txn: ClassifiedTxn) => boolean;
  /** What was read and not counted, since the start, by group. */
  #excluded = new NotCounted();

  /**
   * Every transaction counted, by when it was created, once a first read
   * finished and no pass through the list is under way.
   */
  flows(): FlowHistory | undefined {
    if (!this.#last || this.#pass) return undefined;
    const { currency } = this.#o;
    const ledger = this.#ledger;
    const convert = (amount: number) => fromStripeAmount(amount, currency);
    const test = /^[sr]k_test_/.test(this.#o.key);
    return {
      currency,
      sum: (w) => convert(ledger.sum(w)),
      movements: ledgerMovements(ledger, {
        describe: (note) => describeStripe(note, { test }),
        convert,
      }),
    };
  }

  /**
   * Takes one of Stripe's event deliveries (present only with a webhook
   * secret); see {@linkcode StripeEvents}.
   */
  readonly ingest?: (
    body: Uint8Array,
    signature: string | null,
  ) => Promise<IngestResult>;
  #last?: Reading;
  /** The largest event delivery taken, bytes (with a webhook secret). */
  readonly maxBodyBytes?: number;

  /** Creates the source. */
  constructor(options: StripeSourceOptions) {
    this.id = options.id;
    this.role = options.role;
    this.#o = options;
    if (options.webhook) {
      const events = new StripeEvents({
        id: options.id,
        secrets: options.webhook.secrets,
        store: options.webhook.store,
        clock: options.clock,
        counts: (category) =>
          this.#include({ type: category, reporting_category: category }),
        latest: () =>
          this.#last ?? {
            source: this.id,
            role: this.role,
            amountMinor: 0,
            currency: options.currency,
            asOf: new Date(options.clock.now()).toISOString(),
          },
      });
      this.ingest = (body, signature) => events.ingest(body, signature);
      this.maxBodyBytes = events.maxBodyBytes;
    }
    this.#watermark = Math.floor(Date.parse(options.since) / 1000);
    this.#include = stripeCounts(options);
  }

  /**
   * Reads what is new since the watermark (newest first, paged with
   * `starting_after`), and only then adds it: a read that fails half-way
   * counts nothing, so the next one starts from the same place.
   */
  async read(
    signal?: AbortSignal,
    context?: ReadContext,
    request?: UpstreamRequest,
  ): Promise<Reading> {
    // What another process (or this one before a restart) saved is newer:
    // go on from there.
    await this.#catchUpSaved();
    // A pass that failed or stopped half-way goes on from the page it
    // reached: nothing is read or counted twice.
    const pass = this.#pass ??= {
      pages: 0,
      items: 0,
      newest: this.#watermark,
      newestIds: new Set(this.#atWatermark),
    };
    for (let pages = 0;; pages++) {
      if (pass.pages === this.#o.maxPages) {
        this.#pass = undefined;
        throw new UpstreamDataError(
          `Stripe balance transactions: has_more was still true after ${this.#o.maxPages} pages`,
        );
      }
      if (pages === (this.#o.pagesPerRead ?? 25)) {
        // Enough for one read: the poller reads again at once, at the
        // source's rate cap, and the board says how far the sync is.
        return this.#reading(context, { pages: pass.pages, items: pass.items });
      }
      const body = request
        ? await request("Stripe page", (s) => this.#page(pass.after, s))
        : await this.#page(pass.after, signal);
      const data = arrayField(body, "data", "Stripe balance transactions");
      // The whole page is checked before any of it counts.
      const fresh = data.map((txn) => this.#transaction(txn)).filter((t) =>
        t !== undefined
      );
      const more = field(
        body,
        "has_more",
        "boolean",
        "Stripe balance transactions",
      );
      const last = data.at(-1);
      if (more && last === undefined) {
        throw new UpstreamDataError(
          "Stripe balance transactions: has_more is true on an empty page",
        );
      }
      for (const t of fresh) {
        if (t.notCounted) this.#excluded.add(t.notCounted, t.amount);
        else {
          this.#total += t.amount;
          this.#count++;
          this.#ledger.add(t.created * 1000, t.amount, t.note);
        }
        if (t.created > pass.newest) {
          pass.newest = t.created;
          pass.newestIds = new Set();
        }
        if (t.created === pass.newest) pass.newestIds.add(t.id);
      }
      pass.pages++;
      pass.items += fresh.length;
      // What is not counted is kept too (marked), for the detail.
      const movements = fresh.map((t) =>
        t.notCounted
          ? {
            ref: `x:${t.id}`,
            at: t.created * 1000,
            amount: t.amount,
            data: t.notCounted,
          }
          : {
            ref: t.id,
            at: t.created * 1000,
            amount: t.amount,
            data: stripeNoteData(t.note),
          }
      );
      if (!more) {
        this.#watermark = pass.newest;
        this.#atWatermark = pass.newestIds;
        this.#pass = undefined;
        await this.#persist(movements);
        break;
      }
      pass.after = field(last, "id", "string", "Stripe balance transaction");
      // The page and where the pass stands, together: a restart goes on
      // from the next page.
      await this.#persist(movements);
    }
    return this.#reading(context);
  }

  /** What identifies the saved sync: a change of these starts it again. */
  get #syncKey(): string {
    // v2: counted by reporting category (a sync saved before counted
    // financing, reserves and Issuing as revenue).
    const { since, amountField, types, categories, currency } = this.#o;
    return JSON.stringify({
      v: 2,
      since,
      amountField,
      types,
      categories,
      currency,
    });
  }

  /** Saves the progress and a page's movements (with a sync store). */
  async #persist(movements: SyncedMovement[]): Promise<void> {
    const store = this.#o.sync;
    if (!store) return;
    this.#version++;
    const pass = this.#pass;
    await store.savePage(this.id, {
      key: this.#syncKey,
      version: this.#version,
      watermark: this.#watermark,
      atWatermark: [...this.#atWatermark],
      ...(pass
        ? {
          pass: {
            ...(pass.after ? { after: pass.after } : {}),
            pages: pass.pages,
            items: pass.items,
            newest: pass.newest,
            newestIds: [...pass.newestIds],
          },
        }
        : {}),
    }, movements);
  }

  /**
   * Takes over a saved sync newer than this one's (a restart, or another
   * instance that led before): its progress and every movement it counted.
   * A sync saved with other settings is dropped.
   */
  async #catchUpSaved(): Promise<void> {
    const store = this.#o.sync;
    if (!store) return;
    const peek = await store.state(this.id) as SavedState | undefined;
    if (!peek) return;
    if (peek.key !== this.#syncKey) {
      await store.clear(this.id);
      return;
    }
    if ((peek.version ?? 0) <= this.#version) return;
    const saved = await store.load(this.id);
    const state = saved?.state as SavedState | undefined;
    if (!saved || !state || !Number.isSafeInteger(state.watermark)) return;
    this.#version = state.version ?? 0;
    this.#watermark = state.watermark!;
    this.#atWatermark = new Set(state.atWatermark ?? []);
    this.#pass = state.pass
      ? { ...state.pass, newestIds: new Set(state.pass.newestIds) }
      : undefined;
    this.#ledger = new FlowLedger<StripeNote>();
    this.#total = 0;
    this.#count = 0;
    this.#excluded.clear();
    for (const m of saved.movements) {
      if (m.ref.startsWith("x:")) {
        this.#excluded.add(m.data ?? "other", m.amount);
        continue;
      }
      this.#ledger.add(m.at, m.amount, stripeNoteOf(m.ref, m.data));
      this.#total += m.amount;
      this.#count++;
    }
  }

  /** One page of the list, newest first, after `after`. */
  #page(after: string | undefined, signal?: AbortSignal): Promise<unknown> {
    const params = new URLSearchParams({
      "created[gte]": String(this.#watermark),
      currency: this.#o.currency.toLowerCase(),
      limit: "100",
    });
    if (after) params.set("starting_after", after);
    return fetchJson(`${this.#o.baseUrl}/v1/balance_transactions?${params}`, {
      upstream: "Stripe",
      signal,
      fetch: this.#o.fetch,
      headers: {
        authorization: `Bearer ${this.#o.key}`,
        ...(this.#o.stripeVersion
          ? { "stripe-version": this.#o.stripeVersion }
          : {}),
      },
    });
  }

  /**
   * A transaction checked, whether counted or not (then with the group of
   * its category); undefined when it is in another currency or already
   * read.
   */
  #transaction(
    txn: unknown,
  ):
    | {
      id: string;
      created: number;
      amount: number;
      note: StripeNote;
      notCounted?: StripeCategoryGroup;
    }
    | undefined {
    const id = field(txn, "id", "string", "Stripe balance transaction");
    const where = `Stripe balance transaction ${id}`;
    const created = field(txn, "created", "number", where);
    const type = field(txn, "type", "string", where);
    const currency = field(txn, "currency", "string", where);
    const amount = field(txn, this.#o.amountField, "number", where);
    if (!Number.isSafeInteger(amount) || !Number.isSafeInteger(created)) {
      throw new UpstreamDataError(
        `${where}: "${this.#o.amountField}" and "created" should be integers`,
      );
    }
    if (
      currency.toUpperCase() !== this.#o.currency ||
      (created === this.#watermark && this.#atWatermark.has(id))
    ) return undefined;
    const t = { ...(txn as Record<string, unknown>), type };
    const note = stripeNote(id, t);
    if (this.#include(t)) return { id, created, amount, note };
    return { id, created, amount, note, notCounted: NotCounted.groupOf(t) };
  }

  /** The reading from what is counted so far. */
  #reading(context?: ReadContext, syncing?: SyncProgress): Reading {
    if (!Number.isSafeInteger(this.#total)) {
      throw new UpstreamDataError(
        "Stripe: the sum left the safe integer range",
      );
    }
    const minor = (amount: number) =>
      fromStripeAmount(amount, this.#o.currency);
    const reading: Reading = {
      source: this.id,
      role: this.role,
      nature: "flow",
      amountMinor: minor(this.#total),
      currency: this.#o.currency,
      asOf: normalizeTimestamp(this.#o.clock.now(), { epochUnit: "ms" }),
      coverageFrom: new Date(Date.parse(this.#o.since)).toISOString(),
      detail: {
        transactions: this.#count,
        sinceStartMinor: minor(this.#total),
        // Since the start too, never added into the P&L.
        ...this.#excluded.detail(minor),
      },
      ...(syncing ? { syncing } : {}),
    };
    this.#last = reading;
    if (!context) return reading;
    // Each period from the transactions already read, by their `created`:
    // a new day costs no re-reading.
    // Summed in Stripe's own units, converted once per figure.
    const periods = mapPeriods(this.#ledger.periods(context.periods), minor);
    return {
      ...reading,
      amountMinor: periods.today.amountMinor,
      periods,
      periodsAt: isoTime(context.periods.today.at),
    };
  }
}
