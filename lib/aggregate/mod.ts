/**
 * Aggregation: every source's readings into one live P&L.
 *
 * @module
 */
export {
  buildPnlState,
  type FigureOrigin,
  isPnlState,
  markStale,
  PnlError,
  type PnlSourceState,
  type PnlState,
  reportsOf,
  type SourceReport,
  type SourceStatus,
} from "./pnl_state.ts";
export {
  PnlPoller,
  type PnlPollerOptions,
  readLive,
  type SourceRead,
} from "./poller.ts";
