/**
 * Sources: the interface every upstream adapter implements, the kinds,
 * and the sources file that declares them.
 *
 * @module
 */
export type {
  FlowHistory,
  LiveFeed,
  Movement,
  MovementList,
  MovementPage,
  MovementPosition,
  PeriodAmounts,
  ReadContext,
  Reading,
  Source,
  SourceNature,
  SourceRole,
  SyncProgress,
  UpstreamRequest,
} from "./source.ts";
export { FlowLedger } from "./flow_ledger.ts";
export type { SavedSync, SyncedMovement, SyncStore } from "./sync_store.ts";
export { referencedVariables } from "./referenced_variables.ts";
export {
  StripeEvents,
  type StripeEventsOptions,
} from "./stripe/stripe_events.ts";
export {
  Simulator,
  type SimulatorFigures,
  type SimulatorOptions,
} from "./simulator.ts";
export {
  guardDeclared,
  type GuardDeclaredOptions,
  type GuardedSource,
  type GuardOptions,
  guardSource,
} from "./guarded_source.ts";
export type { CommonSettings, SourceDeps, SourceKind } from "./kind.ts";
export { SOURCE_KINDS } from "./registry.ts";
export {
  createSources,
  type DeclaredSource,
  describeSources,
  type Diagnostic,
  loadSourcesFile,
  parseSourcesFile,
  type SourceEntry,
  type SourcesFile,
  SourcesFileError,
  sourcesFileSchema,
  specErrorsToFileError,
} from "./sources_file.ts";
export { mergeFileErrors } from "./file_error.ts";
export {
  IngestError,
  type IngestResult,
  type IngestStore,
  type IngestTarget,
  isIngestTarget,
} from "./ingest/ingest_store.ts";
export { WebhookSource } from "./webhook.ts";
export {
  IngestRouter,
  type IngestRouterOptions,
} from "./ingest/ingest_router.ts";
export { embeddedSourcesFile } from "./embedded.ts";
export { UpstreamDataError } from "./upstream_http.ts";
export { SqlDeadlineError } from "./sql_runner.ts";
export { unboundedQueryWarning } from "./sql.ts";
export { secretVariableProblem } from "./secret_variables.ts";
export { inReportingCurrency } from "./fixed_rate.ts";
export {
  formatDiagnostics,
  type LocatedDiagnostic,
  locateDiagnostics,
} from "./diagnostics.ts";
