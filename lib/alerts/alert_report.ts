/**
 * What alerting shows people: the board's part (firing alerts, most
 * severe first, and the latest events) and each rule's line for
 * `/api/alerts` and `/admin` (phase, last evaluation, last delivery,
 * failures). Kept by the service as it evaluates and delivers.
 *
 * @module
 */
import type { AlertPhase, AlertTrack } from "./evaluator.ts";
import { alertSummary, conditionWords, figureName } from "./figure.ts";
import type { AlertNotification } from "./notification.ts";
import type { AlertRule } from "./rule.ts";
import type {
  AlertsState,
  FiringAlert as ProtocolFiringAlert,
} from "../protocol/mod.ts";

/** A firing alert, as the board shows it (the state's type). */
export type FiringAlert = ProtocolFiringAlert;

/** What the board shows of alerting: the P&L state's `alerts`. */
export type AlertsBoard = AlertsState;

/** One rule's line in `/api/alerts`. */
export interface RuleStatus {
  id: string;
  watches: string;
  condition: string;
  severity: AlertRule["severity"];
  phase: AlertPhase;
  since: string;
  episode: number;
  notify: string[];
  lastEvaluatedAt?: string;
  /** The last delivery attempt this instance made: when, where, how. */
  lastDelivery?: { at: string; channel: string; outcome: string };
  /** Attempts that failed (retried or given up) since this instance started. */
  failures: number;
}

const ORDER = { critical: 0, warning: 1, info: 2 };

/** The board's part and the rules' lines, kept up to date. */
export class AlertReport {
  #rules: readonly AlertRule[];
  #currency: string;
  #board: AlertsBoard = { firing: [], recent: [] };
  /** Each rule's figure (or status) in words at the last evaluation. */
  #shown = new Map<string, string>();
  #lastDelivery = new Map<
    string,
    { at: string; channel: string; outcome: string }
  >();
  #failures = new Map<string, number>();

  /** Creates the report for a board's rules. */
  constructor(rules: readonly AlertRule[], currency: string) {
    this.#rules = rules;
    this.#currency = currency;
  }

  /** What the board shows. */
  get board(): AlertsBoard {
    return this.#board;
  }

  /**
   * Records a rule's figure in words; true when it changed (a firing
   * alert's banner then says the new figure).
   */
  shown(rule: string, words: string | undefined): boolean {
    if (words === undefined || words === this.#shown.get(rule)) return false;
    this.#shown.set(rule, words);
    return true;
  }

  /** Records an event for the board's recent list (reminders are not). */
  event(note: AlertNotification): void {
    if (note.status === "reminder") return;
    const { rule, status, summary, at } = note;
    this.#board = {
      ...this.#board,
      recent: [{ rule, status, summary, at }, ...this.#board.recent].slice(
        0,
        5,
      ),
    };
  }

  /** Records a delivery attempt's outcome. */
  delivery(rule: string, channel: string, outcome: string, at: number): void {
    this.#lastDelivery.set(rule, {
      at: new Date(at).toISOString(),
      channel,
      outcome,
    });
    if (outcome !== "delivered") {
      this.#failures.set(rule, (this.#failures.get(rule) ?? 0) + 1);
    }
  }

  /** Rebuilds the firing list from the tracks. */
  refresh(track: (rule: string) => AlertTrack | undefined): void {
    const firing = this.#rules
      .filter((r) => {
        const phase = track(r.id)?.phase;
        return phase === "firing" || phase === "recovering";
      })
      .sort((a, b) => ORDER[a.severity] - ORDER[b.severity])
      .map((r) => {
        const t = track(r.id)!;
        return {
          rule: r.id,
          severity: r.severity,
          summary: alertSummary(
            r,
            this.#shown.get(r.id) ?? "unknown",
            this.#currency,
          ),
          since: new Date(t.firedAt ?? t.since).toISOString(),
          ...(t.acknowledgedAt !== undefined
            ? { acknowledgedAt: new Date(t.acknowledgedAt).toISOString() }
            : {}),
          ...(t.silencedUntil !== undefined
            ? { silencedUntil: new Date(t.silencedUntil).toISOString() }
            : {}),
        };
      });
    this.#board = { ...this.#board, firing };
  }

  /**
   * Each rule's line.
   *
   * @param track Each rule's track, where known.
   * @param now For a rule never evaluated here.
   * @param evaluatedAt The last evaluation, when this instance leads.
   */
  rules(
    track: (rule: string) => AlertTrack | undefined,
    now: number,
    evaluatedAt?: number,
  ): RuleStatus[] {
    return this.#rules.map((r) => {
      const t = track(r.id);
      const delivery = this.#lastDelivery.get(r.id);
      return {
        id: r.id,
        watches: figureName(r),
        condition: conditionWords(r, this.#currency),
        severity: r.severity,
        phase: t?.phase ?? "normal",
        since: new Date(t?.since ?? now).toISOString(),
        episode: t?.episode ?? 0,
        notify: r.notify,
        ...(evaluatedAt !== undefined
          ? { lastEvaluatedAt: new Date(evaluatedAt).toISOString() }
          : {}),
        ...(delivery ? { lastDelivery: delivery } : {}),
        failures: this.#failures.get(r.id) ?? 0,
      };
    });
  }
}

/**
 * Each rule's state in words, a row per rule (the `/admin` table).
 *
 * @param rules Each rule's status.
 * @param track A rule's track, for its silence and acknowledgement.
 * @param now The time, epoch ms (a silence that ended shows as none).
 * @returns The rows by rule id.
 */
export function adminRows(
  rules: readonly RuleStatus[],
  track: (id: string) => AlertTrack | undefined,
  now: number,
): Record<string, Record<string, string | number>> {
  return Object.fromEntries(
    rules.map((r) => [r.id, {
      watches: r.watches,
      condition: r.condition,
      severity: r.severity,
      phase: r.phase,
      since: r.since,
      episode: r.episode,
      notify: r.notify.join(", "),
      lastEvaluatedAt: r.lastEvaluatedAt ?? "",
      lastDelivery: r.lastDelivery
        ? `${r.lastDelivery.outcome} (${r.lastDelivery.channel}, ${r.lastDelivery.at})`
        : "",
      failures: r.failures,
      silencedUntil: silenceOf(track(r.id), now),
      acknowledgedAt: iso(track(r.id)?.acknowledgedAt),
    }]),
  );
}

/** A silence still in force, as ISO-8601, else "". */
function silenceOf(track: AlertTrack | undefined, now: number): string {
  const until = track?.silencedUntil;
  return until !== undefined && until > now
    ? new Date(until).toISOString()
    : "";
}

function iso(at: number | undefined): string {
  return at === undefined ? "" : new Date(at).toISOString();
}
