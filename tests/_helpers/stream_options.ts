/** Stream settings for tests: production defaults on a given clock. */
import type { StreamOptions } from "@/lib/stream/mod.ts";
import type { Clock } from "@/lib/time/mod.ts";

/** Builds stream options with defaults, overridable per test. */
export function testStreamOptions(
  clock: Clock,
  overrides: Partial<StreamOptions> = {},
): StreamOptions {
  return {
    clock,
    random: () => 0.5,
    heartbeatMs: 15_000,
    wsIdleTimeoutS: 60,
    wsMessagesPerSecond: 20,
    maxSubscriptions: 16,
    maxFrameBytes: 16_384,
    highWaterBytes: 262_144,
    lowWaterBytes: 65_536,
    maxBehindMs: 15_000,
    pacing: {},
    ...overrides,
  };
}
