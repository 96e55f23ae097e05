/**
 * What `main.ts` hands to the routes: the parts they call, built once.
 */
import type { HostPolicy } from "@/lib/http/mod.ts";
import type { AlertChange } from "@/lib/alerts/mod.ts";
import type { HistoryReader } from "@/lib/store/mod.ts";
import type {
  FigureMovements,
  FigureMovementsQuery,
  LedgerPoint,
  LedgerSpan,
  Projection,
} from "@/lib/aggregate/mod.ts";
import type { Config } from "@/lib/config.ts";
import type { HealthReport } from "@/lib/health.ts";
import type { Metrics } from "@/lib/metrics.ts";
import type { Authenticator, ViewerLinks } from "@/lib/security/mod.ts";
import type { Logger } from "@/lib/log.ts";
import type { MemoryBudget } from "@/lib/resilience/mod.ts";
import type {
  ConnectionRegistry,
  Hub,
  StreamOptions,
} from "@/lib/stream/mod.ts";
import type { Clock, PeriodWindow } from "@/lib/time/mod.ts";
import type { IngestResult } from "@/lib/sources/mod.ts";

/** The parts every route may use. */
export interface AppDeps {
  /** The resolved configuration. */
  config: Config;
  /** The stream hub. */
  hub: Hub;
  /** Time source. */
  clock: Clock;
  /** Structured logger. */
  log: Logger;
  /** Limits and timings shared by the streaming transports. */
  stream: StreamOptions;
  /** Open connections, for shutdown. */
  connections: ConnectionRegistry;
  /** Checks and issues credentials (open when no tokens are configured). */
  auth: Authenticator;
  /** The board's share links (made, listed and revoked one by one). */
  viewerLinks?: ViewerLinks;
  /** The metrics registry served at `/metrics`. */
  metrics: Metrics;
  /** The current health report. */
  health: () => HealthReport;
  /**
   * Carries out a console action on a source (read it now, close its
   * breaker); false when no source has that id.
   */
  adminAction?: (
    request: { action: "read" | "reset"; source: string },
  ) => boolean;
  /**
   * The largest delivery a pushed source takes, bytes (its own limit, not
   * `PULSE_MAX_BODY_BYTES`); undefined for an id that takes none.
   */
  ingestLimit?: (source: string) => number | undefined;
  /** Closes one client connection by its id; false when none has it. */
  disconnect?: (id: string) => boolean;
  /**
   * Sends a test notification through a rule's channels at once; throws
   * RangeError for an unknown rule.
   */
  alertTest?: (
    rule: string,
  ) => Promise<{ channel: string; ok: boolean; error?: string }[]>;
  /**
   * Asks the leading instance to silence or acknowledge a rule; false
   * for an unknown rule.
   */
  alertChange?: (rule: string, change: AlertChange) => boolean;
  /** Alert rules, their state and the latest deliveries (`/api/alerts`). */
  alerts?: () => Promise<unknown>;
  /** Stored P&L history for charts, when a store is open. */
  history?: HistoryReader;
  /**
   * A chart drawn from the flows' ledgers (the board's totals, or one
   * source's amount), when every flow keeps one; else undefined and the
   * stored history answers.
   */
  ledgers?: (
    query: { source?: string } & LedgerSpan,
  ) => LedgerPoint[] | undefined;
  /**
   * The movements behind a figure (a total or one flow), from the flows'
   * ledgers (`/api/transactions`); absent: the route answers 503.
   */
  movements?: (query: FigureMovementsQuery) => FigureMovements;
  /**
   * Where a period's totals are on pace to end, from the flows' ledgers
   * (`/api/projection`); undefined when a flow keeps no ledger.
   */
  projection?: (window: PeriodWindow) => Projection | undefined;
  /** Absolute path of the `static/` folder. */
  staticDir: string;
  /**
   * The board's title (the sources file's `title`).
   * @default {"Pulseboard"}
   */
  title?: string;
  /** The built island bundle's URL, when built. */
  islandScript?: string;
  /**
   * Stores a signed push into webhook source `id`; throws IngestError
   * (404 for an id that is not a webhook source). Absent: no webhook
   * sources are configured.
   */
  ingest?: (
    id: string,
    body: Uint8Array,
    signature: string | null,
  ) => Promise<IngestResult>;
  /** Counts a delivery's outcome. */
  onIngest?: (id: string, outcome: string) => void;
  /** Counts a refused API token: `bad_token`, or `locked_out` (429). */
  onAuthFailure?: (outcome: "bad_token" | "locked_out") => void;
  /**
   * The Host names served (see `lib/http/hosts.ts`).
   * @default {only loopback names}
   */
  hosts?: HostPolicy;
  /** The process's soft limit of open files, when known (sizes the connection cap). */
  openFilesLimit?: number;
  /** The process memory budget; past it new streams are refused. */
  memory?: MemoryBudget;
  /** Counts a request refused before routing, by reason (`host`). */
  onRefused?: (reason: "host") => void;
  /**
   * Counts a new stream refused by a limit: `memory`, `capacity` (the
   * server's total), `credential` or `address`.
   */
  onStreamRefused?: (reason: string) => void;
}
