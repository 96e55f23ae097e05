/** Stream settings for tests: production defaults on a given clock. */
import { HeartbeatTicker, type StreamOptions } from "@/lib/stream/mod.ts";
import type { Clock } from "@/lib/time/mod.ts";

/** Builds stream options with defaults, overridable per test. */
export function testStreamOptions(
  clock: Clock,
  overrides: Partial<StreamOptions> = {},
): StreamOptions {
  const heartbeatMs = overrides.heartbeatMs ?? 15_000;
  return {
    clock,
    random: () => 0.5,
    heartbeatMs,
    heartbeats: new HeartbeatTicker({ clock, heartbeatMs }),
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
