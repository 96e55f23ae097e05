/**
 * The app parts every test app shares: an authenticator (open unless the
 * config has tokens), an empty metrics registry, and a healthy report.
 */
import type { Config } from "@/lib/config.ts";
import { type HealthReport, judgeHealth } from "@/lib/health.ts";
import { Metrics } from "@/lib/metrics.ts";
import { Authenticator } from "@/lib/security/mod.ts";
import type { Clock } from "@/lib/time/mod.ts";

/** Auth, metrics and health for a test app. */
export function testParts(
  config: Config,
  clock: Clock,
): { auth: Authenticator; metrics: Metrics; health: () => HealthReport } {
  return {
    auth: new Authenticator({
      tokens: config.tokens,
      secret: "test-secret-test-secret-test-secret!",
      clock,
    }),
    metrics: new Metrics(),
    health: () =>
      judgeHealth({
        stopping: false,
        sources: {},
        cache: {},
        redis: { configured: false, up: false },
        leader: true,
        topics: {},
      }),
  };
}
