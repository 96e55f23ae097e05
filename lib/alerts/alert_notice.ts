/**
 * An operator's silence or acknowledgement as a cluster notice: the
 * instance that serves the console says it to every instance, and the one
 * that leads (which keeps the rules' tracks) carries it out.
 *
 * @module
 */

/** The notice kind alerting listens for. */
export const ALERT_NOTICE = "alert";

/** What an operator asked of a rule. */
export type AlertChange = { silenceUntilMs: number } | { acknowledge: true };

/**
 * The notice's text.
 *
 * @param rule The rule's id.
 * @param change Silence until (0 lifts it), or acknowledge.
 * @returns The payload.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { alertNotice, readAlertNotice } from "@/lib/alerts/alert_notice.ts";
 * const text = alertNotice("net-low", { silenceUntilMs: 1_000 });
 * assert.deepEqual(readAlertNotice(text), { rule: "net-low", change: { silenceUntilMs: 1_000 } });
 * ```
 */
export function alertNotice(rule: string, change: AlertChange): string {
  return "acknowledge" in change
    ? `acknowledge ${rule}`
    : `silence ${rule} ${change.silenceUntilMs}`;
}

/**
 * A notice's text back, or undefined when it is not one.
 *
 * @param payload The text.
 */
export function readAlertNotice(
  payload: string,
): { rule: string; change: AlertChange } | undefined {
  const [verb, rule, until] = payload.split(" ");
  if (!rule) return undefined;
  if (verb === "acknowledge") return { rule, change: { acknowledge: true } };
  const ms = Number(until);
  return verb === "silence" && Number.isSafeInteger(ms) && ms >= 0
    ? { rule, change: { silenceUntilMs: ms } }
    : undefined;
}
