/**
 * What alerting tells the operator: each transition and failed delivery in
 * the log, counted in metrics; a store that failed (Redis down) as a
 * pause, since the same transition is made again at the next evaluation.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { AlertServiceEvent } from "./alert_service.ts";

/**
 * The `onEvent` of an {@linkcode AlertService} that logs and counts.
 *
 * @param log Where alerting logs (the `alerts` area).
 * @param count Counts every event but a paused store (metrics).
 * @returns The handler.
 *
 * @example A failed delivery is a warning
 * ```ts
 * import assert from "node:assert/strict";
 * import { alertEventLogger } from "@/lib/alerts/alert_log.ts";
 * import { createLogger } from "@/lib/log.ts";
 * const lines: string[] = [];
 * const log = createLogger({ now: () => 0, write: (l) => lines.push(l) });
 * const counted: string[] = [];
 * alertEventLogger(log, (e) => counted.push(e.kind))({
 *   kind: "delivery", rule: "r", channel: "ops", outcome: "failed",
 * });
 * assert.match(lines[0] ?? "", /alert delivery failed/);
 * assert.deepEqual(counted, ["delivery"]);
 * ```
 */
export function alertEventLogger(
  log: Logger,
  count: (event: Exclude<AlertServiceEvent, { kind: "error" }>) => void,
): (event: AlertServiceEvent) => void {
  return function onAlertEvent(event) {
    if (event.kind === "error") {
      log.warn("alerting paused", { error: event.error });
      return;
    }
    count(event);
    if (event.kind === "transition") {
      log.info("alert", { rule: event.rule, event: event.event });
    } else if (event.kind === "delivery" && event.outcome !== "delivered") {
      log.warn("alert delivery failed", {
        rule: event.rule,
        channel: event.channel,
        outcome: event.outcome,
        error: event.error,
      });
    }
  };
}
