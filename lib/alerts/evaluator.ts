/**
 * One rule's life, as Prometheus and Grafana define it: normal -> pending
 * (the condition holds, its `for` not yet over) -> firing -> recovering
 * (false, for `for` again: hysteresis against flapping) -> normal. A
 * condition that clears while pending goes back without a word; firing,
 * reminders (every `repeat`) and the resolve are the notifications. Pure:
 * the caller keeps the track and gives the time.
 *
 * Times are wall-clock epoch ms, not monotonic: a track outlives the
 * process (a restart, a new leader reads it back). A clock stepped back
 * only delays a transition; it never repeats one.
 *
 * @module
 */
import { readFigure, readStatus } from "./figure.ts";
import { StateCalendar } from "../protocol/mod.ts";
import type { AlertRule } from "./rule.ts";

/** Where a rule stands. */
export type AlertPhase = "normal" | "pending" | "firing" | "recovering";

/** What a step tells people. */
export type AlertEvent = "firing" | "reminder" | "resolved";

/** A rule's saved state. */
export interface AlertTrack {
  phase: AlertPhase;
  /** When the phase began, epoch ms. */
  since: number;
  /** Firing episodes so far (the idempotency key's middle part). */
  episode: number;
  /** When the current episode fired, epoch ms. */
  firedAt?: number;
  /** When the last firing or reminder went out, epoch ms. */
  notifiedAt?: number;
  /** Reminders sent in this episode. */
  reminders: number;
  /** The figure at the last evaluation, minor units. */
  valueMinor?: number;
  /**
   * The figure over the last window, for a change rule: `[at, value,
   * periodFrom]`, oldest first, about 120 a window.
   */
  samples: [number, number, string | null][];
  /**
   * No notification goes out until then, epoch ms (an operator's
   * silence; the board still shows the alert). Kept across episodes.
   */
  silencedUntil?: number;
  /**
   * When an operator acknowledged this episode, epoch ms: no reminders
   * until it resolves; a new episode clears it.
   */
  acknowledgedAt?: number;
}

/** A new track: normal since `now`. */
export function newTrack(now: number): AlertTrack {
  return { phase: "normal", since: now, episode: 0, reminders: 0, samples: [] };
}

/** What a rule's condition comes to in a state. */
export interface Judgement {
  /** Whether it holds; undefined when there is no data to say. */
  holds: boolean | undefined;
  /** The figure, when the rule watches one. */
  valueMinor?: number;
  /** A change rule's change (minor units or percent). */
  change?: number;
  /** A status rule's status. */
  status?: string;
}

/**
 * Judges a rule's condition against a state, and records the figure in
 * the track's samples (for change rules).
 *
 * @param rule The rule.
 * @param track Its track (samples are appended and trimmed in place).
 * @param state The P&L state.
 * @param now Epoch ms.
 * @param calendars Reads periods' starts from states; keep one across
 *   states (a new one costs about a millisecond).
 * @returns Whether the condition holds, with the figure behind it.
 */
export function judge(
  rule: AlertRule,
  track: AlertTrack,
  state: unknown,
  now: number,
  calendars: StateCalendar = new StateCalendar(),
): Judgement {
  const c = rule.condition;
  if (c.kind === "status") {
    const status = readStatus(state, rule.source!);
    if (status === undefined) return { holds: undefined };
    return {
      holds: (c.statuses as string[]).includes(status),
      status,
    };
  }
  const figure = readFigure(state, rule, calendars);
  if (!figure) return { holds: undefined };
  const value = figure.valueMinor;
  if (c.kind === "threshold") {
    return {
      holds: (c.aboveMinor !== undefined && value > c.aboveMinor) ||
        (c.belowMinor !== undefined && value < c.belowMinor),
      valueMinor: value,
    };
  }
  record(track, now, value, figure.periodFrom ?? null, c.windowMs);
  const start = now - c.windowMs;
  let baseline: number | undefined;
  // A period that began inside the window started from zero: the change
  // is what it came to since (a new day is not a drop from yesterday's
  // total).
  if (figure.periodFrom && Date.parse(figure.periodFrom) >= start) {
    baseline = 0;
  } else {
    for (const [at, v, from] of track.samples) {
      if (at > start) break;
      if (from === (figure.periodFrom ?? null)) baseline = v;
    }
  }
  if (baseline === undefined) return { holds: undefined, valueMinor: value };
  let change = value - baseline;
  if (c.percent) {
    if (baseline === 0) return { holds: undefined, valueMinor: value };
    change = change / Math.abs(baseline) * 100;
  }
  return {
    holds: (c.above !== undefined && change > c.above) ||
      (c.below !== undefined && change < c.below),
    valueMinor: value,
    change,
  };
}

/** Appends a sample when the last is a 120th of the window old; trims. */
function record(
  track: AlertTrack,
  now: number,
  value: number,
  periodFrom: string | null,
  windowMs: number,
): void {
  const last = track.samples.at(-1);
  const every = Math.max(1_000, windowMs / 120);
  if (!last || now - last[0] >= every || last[2] !== periodFrom) {
    track.samples.push([now, value, periodFrom]);
  } else {
    // The newest value stands for its slot.
    last[1] = value;
  }
  // Keep one sample at or before the window's start (the baseline).
  const start = now - windowMs;
  while (track.samples.length > 1 && track.samples[1]![0] <= start) {
    track.samples.shift();
  }
}

/**
 * Moves a track one evaluation on.
 *
 * @param rule The rule (its `forMs` and `repeatMs`).
 * @param track The track before.
 * @param holds The condition now; undefined (no data) changes nothing.
 * @param now Epoch ms.
 * @returns The track after, and the event to notify, if any.
 */
export function step(
  rule: AlertRule,
  track: AlertTrack,
  holds: boolean | undefined,
  now: number,
): { track: AlertTrack; event?: AlertEvent } {
  if (holds === undefined) return { track };
  // A clock stepped back counts as no time passed.
  const elapsed = Math.max(0, now - track.since);
  const { acknowledgedAt: _acknowledged, ...unacknowledged } = track;
  const fire = (): { track: AlertTrack; event: AlertEvent } => ({
    track: {
      ...unacknowledged,
      phase: "firing",
      since: now,
      episode: track.episode + 1,
      firedAt: now,
      notifiedAt: now,
      reminders: 0,
    },
    event: "firing",
  });
  const resolve = (): { track: AlertTrack; event: AlertEvent } => ({
    track: { ...track, phase: "normal", since: now },
    event: "resolved",
  });
  switch (track.phase) {
    case "normal":
      if (!holds) return { track };
      return rule.forMs === 0
        ? fire()
        : { track: { ...track, phase: "pending", since: now } };
    case "pending":
      if (!holds) return { track: { ...track, phase: "normal", since: now } };
      return elapsed >= rule.forMs ? fire() : { track };
    case "firing": {
      if (!holds) {
        return rule.forMs === 0
          ? resolve()
          : { track: { ...track, phase: "recovering", since: now } };
      }
      const quiet = Math.max(0, now - (track.notifiedAt ?? track.since));
      if (rule.repeatMs > 0 && quiet >= rule.repeatMs) {
        return {
          track: { ...track, notifiedAt: now, reminders: track.reminders + 1 },
          event: "reminder",
        };
      }
      return { track };
    }
    case "recovering":
      // Back before its `for` was over: still the same episode, no word.
      if (holds) {
        return {
          track: { ...track, phase: "firing", since: track.firedAt ?? now },
        };
      }
      return elapsed >= rule.forMs ? resolve() : { track };
  }
}

/**
 * Whether an event's notifications go out: not while the rule is
 * silenced, and no reminders once its episode is acknowledged.
 *
 * @param track The track after the step.
 * @param event The event.
 * @param now Epoch ms.
 */
export function notifies(
  track: AlertTrack,
  event: AlertEvent,
  now: number,
): boolean {
  if (track.silencedUntil !== undefined && now < track.silencedUntil) {
    return false;
  }
  return !(event === "reminder" && track.acknowledgedAt !== undefined);
}

/**
 * A track with an operator's change: a silence until a time (0, or a time
 * passed, lifts it), or an acknowledgement of the episode firing now.
 *
 * @param track The track before.
 * @param change What was asked.
 * @param now Epoch ms.
 * @returns The track after; undefined for an acknowledgement when
 *   nothing fires.
 */
export function marked(
  track: AlertTrack,
  change: { silenceUntilMs: number } | { acknowledge: true },
  now: number,
): AlertTrack | undefined {
  if ("silenceUntilMs" in change) {
    const { silencedUntil: _lifted, ...rest } = track;
    return change.silenceUntilMs > now
      ? { ...rest, silencedUntil: change.silenceUntilMs }
      : rest;
  }
  if (track.phase !== "firing" && track.phase !== "recovering") {
    return undefined;
  }
  return { ...track, acknowledgedAt: now };
}
