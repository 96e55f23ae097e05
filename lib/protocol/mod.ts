/**
 * The wire protocol, shared by the server and the browser: JSON types,
 * the envelopes with their parsing and close codes, JSON merge patches,
 * and the `pnl` state's type with its period table. Runs anywhere: no `Deno.*`, no server code, nothing that is
 * not needed to speak the protocol.
 *
 * @module
 */
export {
  isJsonObject,
  jsonEqual,
  type JsonObject,
  type JsonValue,
} from "./json.ts";
export { applyMergePatch, createMergePatch } from "./merge_patch.ts";
export {
  type ClientMessage,
  CLOSE_CODES,
  type DeltaEnvelope,
  encodeEnvelope,
  type ErrorCode,
  type ErrorEnvelope,
  type HeartbeatEnvelope,
  parseClientMessage,
  parseEpoch,
  parseServerEnvelope,
  parseSince,
  parseTopic,
  type PingMessage,
  type PongEnvelope,
  ProtocolError,
  type ServerEnvelope,
  type SnapshotEnvelope,
  type StateEnvelope,
  type SubscribeMessage,
  type UnsubscribeMessage,
} from "./envelopes.ts";
export { composeMergePatches } from "./compose_patch.ts";
export {
  type AlertsState,
  type FigureOrigin,
  type FiringAlert,
  isPnlState,
  netOf,
  PERIOD_IDS,
  PERIOD_WORDS,
  type PeriodFigures,
  type PeriodId,
  PERIODS,
  type PeriodWords,
  PNL_STATE_VERSION,
  type PnlState,
  type PreviousFigures,
  ROLE_TOTAL,
  type RoleFigures,
  sourceAmount,
  type SourcePeriodFigure,
  type SourceRole,
  type SourceState,
  type SourceStatus,
} from "./pnl_state.ts";
export { periodWindows, StateCalendar } from "./state_calendar.ts";
export { textLines } from "./text_lines.ts";
