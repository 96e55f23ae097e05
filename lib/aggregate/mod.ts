/**
 * Aggregation: every source's readings into one live P&L.
 *
 * @module
 */
export {
  type BuildPnlOptions,
  buildPnlState,
  type FigureOrigin,
  isPnlState,
  markStale,
  PnlError,
  type PnlState,
  type SourceReport,
  type SourceState,
  type SourceStatus,
} from "./pnl_state.ts";
export {
  reportsOf,
  rollForward,
  type StartingPnl,
  startingPnl,
} from "./pnl_restore.ts";
export { type PeriodTotals, periodTotals } from "./period_totals.ts";
export {
  PnlPoller,
  type PnlPollerOptions,
  readLive,
  type SourceRead,
} from "./poller.ts";
export { type PollPlan } from "./poller.ts";
export {
  pollPlans,
  type PollPlansOptions,
  type SourcePlan,
} from "./poll_plans.ts";
export {
  cachedRead,
  type CachedReadOptions,
  type ReadOutcome,
} from "./cached_read.ts";
export { PnlPolling, type PnlPollingOptions } from "./pnl_polling.ts";
export {
  periodHistoryKey,
  PnlRecorder,
  type PnlRecorderOptions,
  type RestoredPnl,
  sourceHistoryKey,
} from "./pnl_recorder.ts";
export {
  createPnlEngine,
  type PnlEngine,
  type PnlEngineOptions,
} from "./pnl_engine.ts";
export { type ErrorSummary, summarizeError } from "./error_summary.ts";
export { SourceStatusLog, type SourceStatusLogOptions } from "./status_log.ts";
export {
  ReadStats,
  type ReadStatsOptions,
  type ReadSummary,
} from "./read_stats.ts";
export {
  ledgerHistory,
  type LedgerPoint,
  ledgerSourceHistory,
  type LedgerSpan,
} from "./ledger_history.ts";
export {
  FIGURE_NAMES,
  type FigureMovement,
  type FigureMovements,
  figureMovements,
  type FigureMovementsQuery,
  type FigureName,
  MovementCursorError,
} from "./figure_movements.ts";
export {
  PROJECTED_PERIODS,
  type ProjectedFigure,
  type Projection,
  type ProjectionMethod,
  projectPeriod,
} from "./projection.ts";
