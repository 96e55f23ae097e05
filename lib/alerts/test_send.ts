/**
 * A test notification sent by hand (`deno task alerts:test RULE`): built
 * like a real one from the rule and the figure it watches now, sent
 * through each of the rule's channels at once (not through the outbox),
 * with how each went.
 *
 * @module
 */
import type { Clock } from "../time/mod.ts";
import { sendNotification } from "./channels.ts";
import type { ChannelSpec } from "./channel_spec.ts";
import { type AlertTrack, judge, newTrack } from "./evaluator.ts";
import { type Notice, notificationFor } from "./notification.ts";
import type { AlertRule } from "./rule.ts";

/** How one channel took the test. */
export interface TestResult {
  channel: string;
  ok: boolean;
  error?: string;
}

/** What a test needs besides the rule. */
export interface TestSendOptions {
  channels: readonly ChannelSpec[];
  /** The rule's track, where this instance has one. */
  track?: AlertTrack;
  /** The P&L state now, where known. */
  state?: unknown;
  clock: Clock;
  currency: string;
  board: string;
  /** The fetch to use. @default {globalThis.fetch} */
  fetch?: typeof fetch;
  /**
   * Time limit of each channel's attempt, ms.
   * @default {10000}
   */
  timeoutMs?: number;
}

/**
 * Sends a test through each of a rule's channels.
 *
 * @returns One result per channel, in the rule's order.
 */
export async function sendTestNotification(
  rule: AlertRule,
  options: TestSendOptions,
): Promise<TestResult[]> {
  const now = options.clock.now();
  const track = options.track ?? newTrack(now);
  const judged = judge(rule, structuredClone(track), options.state, now);
  const note = notificationFor({
    rule,
    track,
    event: "test",
    now,
    currency: options.currency,
    board: options.board,
    ...(judged.valueMinor !== undefined
      ? { valueMinor: judged.valueMinor }
      : {}),
    ...(judged.status ? { status: judged.status } : {}),
  });
  // Its own key: a receiver that drops repeats must not drop a test.
  return await sendTestThrough(rule.notify, {
    ...note,
    key: `${note.key}:${now}`,
  }, options);
}

/**
 * Sends a notice made by hand through channels at once (not through the
 * outbox), each within its time limit.
 *
 * @param ids The channels' ids, each declared.
 * @param note What to send (with a key of its own, never a real one).
 * @param options The channels, clock, fetch and time limit.
 * @returns One result per channel, in order.
 */
export async function sendTestThrough(
  ids: readonly string[],
  note: Notice,
  options: Pick<TestSendOptions, "channels" | "clock" | "fetch" | "timeoutMs">,
): Promise<TestResult[]> {
  const { clock, timeoutMs = 10_000 } = options;
  const now = clock.now();
  const out: TestResult[] = [];
  for (const id of ids) {
    const channel = options.channels.find((c) => c.id === id)!;
    const limit = new AbortController();
    const timer = clock.setTimeout(
      () => limit.abort(new Error(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      await sendNotification(channel, note, {
        now,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        signal: limit.signal,
      });
      out.push({ channel: id, ok: true });
    } catch (error) {
      out.push({ channel: id, ok: false, error: (error as Error).message });
    } finally {
      clock.clearTimeout(timer);
    }
  }
  return out;
}
