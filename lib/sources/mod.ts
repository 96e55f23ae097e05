/**
 * Sources: the interface every upstream adapter implements, and the kinds.
 *
 * @module
 */
export type { Reading, Source, SourceRole } from "./source.ts";
export {
  Simulator,
  type SimulatorFigures,
  type SimulatorOptions,
} from "./simulator.ts";
export {
  type GuardedSource,
  type GuardOptions,
  guardSource,
} from "./guarded_source.ts";
