/**
 * Kalshi (Trade API v2): balance, portfolio value and realized P&L of a
 * prediction-market account, every request signed with RSA-PSS.
 *
 * Money arrives mixed: integer cents (`balance`, `portfolio_value`,
 * settlement `revenue`) beside fixed-point dollar strings (`*_dollars`,
 * `fee_cost`). Everything is summed exactly in micro-dollars and rounded
 * to cents once, half to even. Realized P&L by period (settlements, the
 * fills replay and the historical tier) is in `kalshi_realized.ts`; the
 * lists behind it are paged by a resumable sync (`paged_sync.ts`), so a
 * year of fills survives timeouts, restarts and leader changes and a
 * quiet poll asks only for what is new. The kind's fields and key
 * loading are in `kalshi_kind.ts`. Over 350 lines: the endpoints, the
 * lists of the sync and the mixed-unit rules share the signed GET.
 *
 * @module
 */
import { MoneyError, parseDecimal, toMinorUnits } from "../../money.ts";
import { normalizeTimestamp } from "../../time/mod.ts";
import { signKalshiRequest } from "./kalshi_signing.ts";
import type {
  FlowHistory,
  LiveFeed,
  ReadContext,
  Reading,
  Source,
  SourceNature,
  SyncProgress,
  UpstreamRequest,
} from "../source.ts";
import { PagedSync, type SyncList } from "../paged_sync.ts";
import type { SyncedMovement, SyncStore } from "../sync_store.ts";
import { FlowLedger } from "../flow_ledger.ts";
import { ledgerMovements } from "../ledger_movements.ts";
import { describeKalshi } from "./kalshi_movements.ts";
import {
  type KalshiNote,
  KalshiRealized,
  type Realized,
} from "./kalshi_realized.ts";
import { mapPeriods } from "../period_windows.ts";
import {
  arrayField,
  fetchJson,
  field,
  genericErrorText,
  UpstreamDataError,
} from "../upstream_http.ts";

/** Which figure becomes the reading's amount. */
export type KalshiFigure =
  | "realized"
  | "balance"
  | "portfolio_value"
  | "equity";

const CENT_IN_MICRO = 10_000n;

function micro(text: unknown, where: string, key: string): bigint {
  if (typeof text !== "string") {
    throw new UpstreamDataError(
      `${where}: field "${key}" should be a dollar string, found ${
        JSON.stringify(text)?.slice(0, 40) ?? "nothing"
      }`,
    );
  }
  try {
    const d = parseDecimal(text);
    if (d.scale > 6) {
      throw new MoneyError(`more than 6 decimals in "${text}"`);
    }
    return d.coefficient * 10n ** BigInt(6 - d.scale);
  } catch (cause) {
    throw new UpstreamDataError(
      `${where}: field "${key}": ${(cause as Error).message}`,
    );
  }
}

function cents(value: unknown, where: string, key: string): bigint {
  if (!Number.isSafeInteger(value)) {
    throw new UpstreamDataError(
      `${where}: field "${key}" should be integer cents, found ${
        JSON.stringify(value)?.slice(0, 40) ?? "nothing"
      }`,
    );
  }
  return BigInt(value as number) * CENT_IN_MICRO;
}

/** An RFC 3339 time (or Unix seconds) as epoch ms. */
function timeOf(value: unknown, where: string, key: string): number {
  const ms = typeof value === "string"
    ? Date.parse(value)
    : Number.isSafeInteger(value)
    ? (value as number) * 1000
    : NaN;
  if (!Number.isFinite(ms)) {
    throw new UpstreamDataError(
      `${where}: field "${key}" should be an RFC 3339 time, found ${
        JSON.stringify(value)?.slice(0, 40) ?? "nothing"
      }`,
    );
  }
  return Math.floor(ms);
}

function toCents(microDollars: bigint): number {
  return toMinorUnits(
    { coefficient: microDollars, scale: 6 },
    "major",
    "USD",
  );
}

/** Options for {@linkcode KalshiSource}. */
export interface KalshiSourceOptions {
  /** Source id. */
  id: string;
  /** How the amount enters the P&L. */
  role: Reading["role"];
  /** Base URL ending in `/trade-api/v2`. */
  baseUrl: string;
  /** API key id. */
  keyId: string;
  /** Signing key. */
  key: CryptoKey;
  /** The amount. */
  figure: KalshiFigure;
  /** Subaccount. */
  subaccount: number;
  /** Items per page. */
  pageSize: number;
  /** Most pages of one pass through a list. */
  maxPages: number;
  /**
   * Pages read per read; a longer sync returns what it has, marked
   * syncing, and goes on at once.
   * @default {25}
   */
  pagesPerRead?: number;
  /** Where the sync is kept page by page; absent: in memory only. */
  sync?: SyncStore;
  /** Time source (for the signed timestamp). */
  clock: { now(): number };
  /** The fetch to use. */
  fetch?: typeof fetch;
  /** Kalshi's pushes, when subscribed. */
  live?: LiveFeed;
}

/**
 * How often the lists and positions are read although the balance says
 * nothing moved, ms (a safety net under the balance check).
 */
const CHECK_EVERY_MS = 5 * 60_000;

/** Runs one upstream request, guarded when the poller gave a guard. */
type Call = <T>(
  operation: string,
  fn: (signal?: AbortSignal) => Promise<T>,
) => Promise<T>;

/** Reads one Kalshi account. */
export class KalshiSource implements Source {
  readonly kind = "kalshi";
  /** Each page is its own guarded request (see UpstreamRequest). */
  readonly pagesItself = true;
  readonly id: string;
  readonly role: Reading["role"];
  /** Realized P&L is a flow; the balance, portfolio value and equity are stocks. */
  readonly nature: SourceNature;
  /** Kalshi's pushes (a fill makes the source read at once), when on. */
  readonly live?: LiveFeed;
  #o: KalshiSourceOptions;
  /** Realized P&L by when it was realized, as of the last full read. */
  #flows?: FlowHistory;
  #realized = new KalshiRealized({ micro, cents, timeOf });
  #sync: PagedSync;
  /** The positions last read, and when (monotonic enough: the read's clock). */
  #positions?: unknown[];
  #positionsAt = 0;
  /** The balance and portfolio value when the lists were last read. */
  #account?: string;
  #checkedAt = 0;

  /** Creates the source. */
  constructor(options: KalshiSourceOptions) {
    this.id = options.id;
    this.role = options.role;
    this.nature = options.figure === "realized" ? "flow" : "stock";
    this.#o = options;
    if (options.live) this.live = options.live;
    const { baseUrl, keyId, subaccount } = options;
    this.#sync = new PagedSync({
      source: options.id,
      // Another account or subaccount is another sync.
      // v2: fills signed by Kalshi's direction table; a sync saved before
      // holds every fill as a YES buy, so it is read again.
      key: JSON.stringify({ v: 2, baseUrl, keyId, subaccount }),
      maxPages: options.maxPages,
      upstream: "Kalshi",
      ...(options.pagesPerRead ? { pagesPerRead: options.pagesPerRead } : {}),
      ...(options.sync ? { store: options.sync } : {}),
    });
  }

  /** Reads the configured figure (one signed request per page). */
  /** Realized P&L by when it was realized (the `realized` figure). */
  flows(): FlowHistory | undefined {
    return this.nature === "flow" ? this.#flows : undefined;
  }

  async read(
    signal?: AbortSignal,
    context?: ReadContext,
    request?: UpstreamRequest,
  ): Promise<Reading> {
    const call: Call = (operation, fn) =>
      request ? request(operation, fn) : fn(signal);
    const balance = await call(
      "Kalshi balance",
      (s) => this.#get("/portfolio/balance", {}, s),
    );
    const where = "Kalshi balance";
    const b = balance as Record<string, unknown>;
    const balanceMicro = typeof b.balance_dollars === "string"
      ? micro(b.balance_dollars, where, "balance_dollars")
      : cents(b.balance, where, "balance");
    const portfolioMicro = cents(b.portfolio_value, where, "portfolio_value");
    // asOf is when this read happened: Kalshi's own `updated_ts` can be
    // hours old on a quiet account and would make a live figure look stale.
    // It is kept beside it.
    const asOf = new Date(this.#o.clock.now()).toISOString();
    const detail: Record<string, number | string> = {
      balanceMinor: toCents(balanceMicro),
      portfolioValueMinor: toCents(portfolioMicro),
      ...(Number.isSafeInteger(b.updated_ts)
        ? {
          balanceUpdatedAt: normalizeTimestamp(b.updated_ts, {
            epochUnit: "s",
          }),
        }
        : {}),
    };
    let amountMicro: bigint;
    let realized = new FlowLedger<KalshiNote>();
    let syncing: SyncProgress | undefined;
    switch (this.#o.figure) {
      case "balance":
        amountMicro = balanceMicro;
        break;
      case "portfolio_value":
        amountMicro = portfolioMicro;
        break;
      case "equity":
        amountMicro = balanceMicro + portfolioMicro;
        break;
      case "realized": {
        const r = await this.#readRealized(
          call,
          context?.live === true,
          `${balanceMicro}:${portfolioMicro}`,
        );
        syncing = r.syncing;
        amountMicro = r.totalMicro;
        realized = r.ledger;
        detail.settlements = r.settlements;
        detail.positions = r.positions;
        detail.fills = r.fills;
        detail.realizedMinor = toCents(r.totalMicro);
        break;
      }
    }
    const reading: Reading = {
      source: this.id,
      role: this.role,
      nature: this.nature,
      amountMinor: toCents(amountMicro),
      currency: "USD",
      asOf,
      detail,
      ...(syncing ? { syncing } : {}),
    };
    if (this.nature === "stock") return reading;
    const microToCents = (micro: number) => toCents(BigInt(micro));
    this.#flows = syncing ? undefined : {
      currency: "USD",
      sum: (w) => microToCents(realized.sum(w)),
      movements: ledgerMovements(realized, {
        describe: describeKalshi,
        convert: microToCents,
      }),
    };
    if (!context) return reading;
    // Realized P&L by when it was realized, in exact micro-dollars, each
    // period rounded to cents once.
    const periods = mapPeriods(
      realized.periods(context.periods),
      (micro) => toCents(BigInt(micro)),
    );
    return {
      ...reading,
      amountMinor: periods.today.amountMinor,
      periods,
      periodsAt: new Date(context.periods.today.at).toISOString(),
    };
  }

  /**
   * Brings settlements, fills and (once) historical fills up to now, as
   * far as the read's page budget goes, then the positions when something
   * changed (or a push said so, or they are five minutes old); nothing
   * when the balance says nothing moved.
   */
  async #readRealized(
    call: Call,
    live: boolean,
    account: string,
  ): Promise<Realized & { syncing?: SyncProgress }> {
    const taken = await this.#sync.start();
    if (taken) {
      this.#realized.reset();
      this.#realized.add(taken);
      this.#positions = undefined;
    }
    const now = this.#o.clock.now();
    // Every fill and settlement moves the cash balance or the portfolio
    // value: while both stand still, nothing new can be in the lists, and
    // a quiet poll costs the one request for the balance.
    if (
      this.#positions && !live && !this.#sync.pending &&
      account === this.#account && now - this.#checkedAt < CHECK_EVERY_MS
    ) return this.#realized.realized(this.#positions);
    let fresh = 0;
    const count = (movements: readonly SyncedMovement[]) => {
      this.#realized.add(movements);
      fresh += movements.length;
    };
    for (const list of this.#lists(call)) {
      if (!(await this.#sync.run(list, count))) {
        // Enough for one read: the poller reads again at once, at the
        // source's rate cap, and the board says how far the sync is.
        return { ...this.#realized.realized(), syncing: this.#sync.progress };
      }
    }
    if (
      !this.#positions || fresh > 0 || live ||
      now - this.#positionsAt >= CHECK_EVERY_MS
    ) {
      this.#positions = await this.#list(
        "/portfolio/positions",
        "market_positions",
        call,
      );
      this.#positionsAt = now;
    }
    await this.#sync.finish();
    this.#account = account;
    this.#checkedAt = now;
    return this.#realized.realized(this.#positions);
  }

  /**
   * The lists the sync pages, newest first: settlements and live fills
   * from their watermark, then historical fills once, split at a cutoff
   * read after the live fills (whatever moved to the historical tier
   * meanwhile is older than it, so nothing falls between the two).
   */
  #lists(call: Call): SyncList[] {
    const since = (watermark: number | undefined): Record<string, string> =>
      watermark === undefined
        ? {}
        : { min_ts: String(Math.floor(watermark / 1000)) };
    const list = (
      path: string,
      key: string,
      movement: (item: unknown) => SyncedMovement,
    ): SyncList["page"] =>
    async (query, cursor) => {
      // Kalshi's cursor keeps no filters: every page repeats them.
      const body = await call(`Kalshi ${path}`, (s) =>
        this.#get(path, {
          ...query,
          limit: String(this.#o.pageSize),
          ...(cursor ? { cursor } : {}),
        }, s));
      const items = arrayField(body, key, `Kalshi ${path}`);
      const next = cursorOf(body, path);
      return { movements: items.map(movement), ...(next ? { next } : {}) };
    };
    const settlement = (item: unknown) => this.#realized.settlement(item);
    const fill = (item: unknown) => this.#realized.fill(item);
    return [
      {
        name: "settlements",
        begin: since,
        page: list("/portfolio/settlements", "settlements", settlement),
      },
      {
        name: "fills",
        begin: since,
        page: list("/portfolio/fills", "fills", fill),
      },
      {
        name: "historical fills",
        once: true,
        begin: async () => ({
          max_ts: String(Math.floor(await this.#cutoff(call) / 1000)),
        }),
        page: list("/historical/fills", "fills", fill),
      },
    ];
  }

  /** Where live fills end and historical ones begin, epoch ms. */
  async #cutoff(call: Call): Promise<number> {
    const body = await call(
      "Kalshi cutoff",
      (s) => this.#get("/historical/cutoff", {}, s),
    );
    const text = field(body, "trades_created_ts", "string", "Kalshi cutoff");
    const at = Date.parse(text);
    if (!Number.isFinite(at)) {
      throw new UpstreamDataError(
        `Kalshi cutoff: trades_created_ts ${
          JSON.stringify(text)
        } is not a time`,
      );
    }
    return at;
  }

  /** Reads every page of a short list (the positions). */
  async #list(path: string, key: string, call: Call): Promise<unknown[]> {
    const items: unknown[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < this.#o.maxPages; page++) {
      const body = await call(`Kalshi ${path}`, (s) =>
        this.#get(path, {
          limit: String(this.#o.pageSize),
          ...(cursor ? { cursor } : {}),
        }, s));
      items.push(...arrayField(body, key, `Kalshi ${path}`));
      cursor = cursorOf(body, path);
      if (!cursor) return items;
    }
    throw new UpstreamDataError(
      `Kalshi ${path}: the cursor had not ended after ${this.#o.maxPages} pages (raise maxPages if the account really has that many)`,
    );
  }

  /** One signed GET; signed afresh on every call, so every retry too. */
  async #get(
    path: string,
    query: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const url = new URL(`${this.#o.baseUrl}${path}`);
    url.searchParams.set("subaccount", String(this.#o.subaccount));
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const ts = this.#o.clock.now();
    const signature = await signKalshiRequest(
      this.#o.key,
      ts,
      "GET",
      url.pathname,
    );
    return await fetchJson(url, {
      upstream: "Kalshi",
      signal,
      fetch: this.#o.fetch,
      headers: {
        "KALSHI-ACCESS-KEY": this.#o.keyId,
        "KALSHI-ACCESS-TIMESTAMP": String(ts),
        "KALSHI-ACCESS-SIGNATURE": signature,
        accept: "application/json",
      },
      errorText: genericErrorText,
      // A stale timestamp heals with a fresh signature; other 4xx do not.
      retryable: (status, _headers, body) =>
        status === 401 && genericErrorText(status, body).includes("timestamp")
          ? true
          : undefined,
    });
  }
}

/** A page's next cursor; null, absent and "" all end the list. */
function cursorOf(body: unknown, path: string): string | undefined {
  const next = (body as Record<string, unknown>).cursor;
  if (next === undefined || next === null || next === "") return undefined;
  if (typeof next !== "string") {
    throw new UpstreamDataError(
      `Kalshi ${path}: field "cursor" should be a string, found ${
        JSON.stringify(next).slice(0, 40)
      }`,
    );
  }
  return next;
}
