/**
 * Alerting while this instance leads: every new P&L state (and a tick, so
 * a `for` runs out on a quiet board) moves each rule's track on; a
 * transition and its notifications (one per channel) are saved together,
 * then the deliverer sends them. The firing alerts and the latest events
 * go into the P&L state for the board; `/api/alerts` reads the same.
 * One class of about 550 lines (a fifth of it the options' docs):
 * leading (start, stop, the tick), the evaluation queue, the commit of
 * each transition, an operator's silence or acknowledgement and the
 * state's alerts part share the tracks and the leadership phase; the
 * pure parts live beside it (`evaluator.ts`, with `marked` and
 * `notifies`; `alert_report.ts` with the console's rows, `alert_log.ts`,
 * `alert_notice.ts`), the hand-sent test in `test_send.ts`, and the
 * digests in `digest_runner.ts`, which shares the leadership, the store
 * and the deliverer.
 *
 * @module
 */
import { formatMoney } from "../money.ts";
import { isPnlState, type PnlState, StateCalendar } from "../protocol/mod.ts";
import type { Source } from "../sources/mod.ts";
import { type Clock, ReportingCalendar, type TimerId } from "../time/mod.ts";
import type { AlertStore, OutboxItem } from "./alert_store.ts";
import { Deliverer, type DelivererOptions } from "./delivery.ts";
import { type AlertChange, readAlertNotice } from "./alert_notice.ts";
import {
  type AlertTrack,
  judge,
  marked,
  newTrack,
  notifies,
  step,
} from "./evaluator.ts";
import { notificationFor } from "./notification.ts";
import { ruleSources } from "./figure.ts";
import {
  adminRows,
  AlertReport,
  type AlertsBoard,
  type RuleStatus,
} from "./alert_report.ts";
import { sendTestNotification, type TestResult } from "./test_send.ts";
import type { Alerting } from "./alerting.ts";
import type { AlertRule } from "./rule.ts";
import { DigestRunner } from "./digest_runner.ts";

/** Options for {@linkcode AlertService}. */
export interface AlertServiceOptions {
  alerting: Alerting;
  /** The board's currency and title (for the words of notifications). */
  currency: string;
  board: string;
  store: AlertStore;
  clock: Clock;
  random: () => number;
  /** The fetch to use. @default {globalThis.fetch} */
  fetch?: typeof fetch;
  /**
   * How often rules are evaluated without a new state, ms.
   * @default {1000}
   */
  tickMs?: number;
  /** Delivery settings (backoff, give-up time). */
  delivery?: Pick<DelivererOptions, "backoff" | "giveUpMs" | "timeoutMs">;
  /**
   * Told when what the board shows changes between states (a `for` ran
   * out on a quiet board): publish it. A new state's own change is
   * returned by `observe`.
   */
  onBoard?: (board: AlertsBoard) => void;
  /** Told of each evaluation, event and delivery outcome (metrics, logs). */
  onEvent?: (event: AlertServiceEvent) => void;
  /**
   * Whether a rule may be judged yet: false until every source it depends
   * on has been read (or has failed a read) since this process started,
   * so a rule never fires on a $0.00 nobody read, or on a status restored
   * from before a restart. A rule not ready keeps its track as it was.
   * @default {every source of the rule `hasRead`}
   */
  ready?: (rule: AlertRule) => boolean;
  /**
   * The board's calendar: when a digest is due, and the spans it covers.
   * @default {new ReportingCalendar()} (UTC, weeks from Monday)
   */
  calendar?: ReportingCalendar;
  /**
   * The board's sources, whose ledgers give a digest's figures.
   * @default {() => []}
   */
  sources?: () => readonly Source[];
  /**
   * Whether a source has been read (or has failed a read) since this
   * process started: a rule waits for the sources it depends on (when no
   * `ready` is given), a digest due for every source.
   * @default {() => true}
   */
  hasRead?: (id: string) => boolean;
}

/** What the service reports as it runs. */
export type AlertServiceEvent =
  | { kind: "evaluated"; rules: number }
  | { kind: "transition"; rule: string; event: string; key: string }
  | { kind: "error"; error: Error }
  | {
    kind: "delivery";
    rule: string;
    channel: string;
    outcome: "delivered" | "retry" | "failed";
    error?: Error;
  };

/** Evaluates the rules and delivers their notifications. */
export class AlertService {
  #o: AlertServiceOptions;
  #tracks = new Map<string, AlertTrack>();
  #calendars = new StateCalendar();
  #deliverer: Deliverer;
  #state?: unknown;
  #timer?: TimerId;
  /** The tracks read back at start (evaluations wait for them). */
  #ready: Promise<void> = Promise.resolve();
  /** The latest state not yet evaluated, and the evaluation under way. */
  #queued?: { state: unknown };
  #busy?: Promise<void>;
  #leading = false;
  #evaluatedAt?: number;
  #report: AlertReport;
  #digests: DigestRunner;

  /** Creates the service (idle until {@linkcode start}). */
  constructor(options: AlertServiceOptions) {
    this.#o = options;
    this.#digests = new DigestRunner({
      digests: options.alerting.digests ?? [],
      calendar: options.calendar ?? new ReportingCalendar(),
      store: options.store,
      clock: options.clock,
      sources: options.sources ?? (() => []),
      ready: () =>
        (options.sources?.() ?? []).every((s) =>
          options.hasRead?.(s.id) ?? true
        ),
      currency: options.currency,
      board: options.board,
    });
    this.#report = new AlertReport(options.alerting.rules, options.currency);
    this.#deliverer = new Deliverer({
      store: options.store,
      channels: options.alerting.channels,
      clock: options.clock,
      random: options.random,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...options.delivery,
      onError: (error) => this.#failed(error),
      onOutcome: (item, outcome, error) => {
        this.#report.delivery(
          item.rule,
          item.channel,
          outcome,
          options.clock.now(),
        );
        options.onEvent?.({
          kind: "delivery",
          rule: item.rule,
          channel: item.channel,
          outcome,
          ...(error ? { error } : {}),
        });
      },
    });
  }

  /** The rules. */
  get rules(): readonly AlertRule[] {
    return this.#o.alerting.rules;
  }

  /**
   * Starts evaluating and delivering (this instance leads): the tracks
   * are read back from the store first, so a pending or firing alert goes
   * on where the last leader left it.
   */
  start(): void {
    if (this.#leading || (this.rules.length === 0 && this.#digests.empty)) {
      return;
    }
    this.#leading = true;
    this.#ready = (async () => {
      const saved = await this.#o.store.tracks();
      this.#digests.load(saved);
      const now = this.#o.clock.now();
      this.#tracks = new Map(
        this.rules.map((r) => [r.id, asTrack(saved[r.id]) ?? newTrack(now)]),
      );
    })();
    this.#ready.then(() => {
      if (!this.#leading) return;
      this.#deliverer.start();
      this.#tick();
    }, (error) => this.#failed(error));
  }

  /** Stops (this instance no longer leads). */
  stop(): void {
    this.#leading = false;
    this.#deliverer.stop();
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Takes a new state: every rule is evaluated against it (at once, after
   * any evaluation under way); a change of what the board shows is told
   * through `onBoard`.
   *
   * @returns What the board shows of alerting so far.
   */
  observe(state: unknown): AlertsBoard {
    this.#state = state;
    if (this.#leading) this.#schedule(state);
    return this.#report.board;
  }

  /** What the board shows of alerting. */
  get board(): AlertsBoard {
    return this.#report.board;
  }

  /**
   * Takes a new state (see {@linkcode AlertService.observe}) and returns
   * it as the board shows it: with alerting's part under `alerts` when the
   * file has rules, unchanged without.
   *
   * @param state A new P&L state.
   * @returns The state to publish.
   */
  annotate(state: PnlState): PnlState {
    if (this.#o.alerting.rules.length === 0) {
      // Digests read the newest state; the board has no alerts part.
      if (!this.#digests.empty) this.observe(state);
      return state;
    }
    return withAlerts(state, this.observe(state));
  }

  /**
   * `/api/alerts`: the board's part as the shown state has it (the same
   * on every instance) and each rule's status.
   *
   * @param shown The P&L state shown now.
   * @returns The answer.
   */
  async report(shown: unknown): Promise<
    AlertsBoard & Awaited<ReturnType<AlertService["status"]>>
  > {
    const board = isPnlState(shown) && shown.alerts
      ? shown.alerts
      : { firing: [], recent: [] };
    return { ...board, ...(await this.status()) };
  }

  /**
   * Each rule's state, for `/api/alerts`: this instance's while it leads,
   * else as the leader saved it; and the latest deliveries.
   */
  async status(): Promise<{
    rules: RuleStatus[];
    deliveries: Omit<OutboxItem, "body">[];
  }> {
    const { store } = this.#o;
    const saved = this.#leading ? undefined : await store.tracks();
    const recent = await store.recent(20);
    return {
      rules: this.#rulesFrom((id) =>
        saved ? asTrack(saved[id]) : this.#tracks.get(id)
      ),
      deliveries: recent.map(({ body: _b, ...rest }) => rest),
    };
  }

  /**
   * Each rule's state as this instance holds it, at once (for `/admin`,
   * which each instance feeds): current while it leads.
   */
  rulesNow(): RuleStatus[] {
    return this.#rulesFrom((id) => this.#tracks.get(id));
  }

  /** Each rule's state in words, a row per rule (the `/admin` table). */
  adminRows(): Record<string, Record<string, string | number>> {
    const track = (id: string) => this.#tracks.get(id);
    return adminRows(this.rulesNow(), track, this.#o.clock.now());
  }

  #rulesFrom(track: (id: string) => AlertTrack | undefined): RuleStatus[] {
    return this.#report.rules(
      track,
      this.#o.clock.now(),
      this.#leading ? this.#evaluatedAt : undefined,
    );
  }

  /**
   * Sends a test notification through a rule's channels at once (not
   * through the outbox), and says how each went; for a digest's id, the
   * digest as it would go out now (its key and title marked as a test).
   *
   * @throws {RangeError} For an id that is no rule's or digest's.
   */
  async sendTest(
    ruleId: string,
  ): Promise<TestResult[]> {
    const rule = this.rules.find((r) => r.id === ruleId);
    if (!rule && this.#digests.has(ruleId)) {
      return await this.#digests.sendTest(ruleId, this.#shownState(), {
        channels: this.#o.alerting.channels,
        ...(this.#o.fetch ? { fetch: this.#o.fetch } : {}),
      });
    }
    if (!rule) {
      const digests = this.#o.alerting.digests ?? [];
      throw new RangeError(
        `no alert rule${
          digests.length ? " or digest" : ""
        } has the id "${ruleId}"; the rules are ${
          this.rules.map((r) => `"${r.id}"`).join(", ") || "none"
        }${
          digests.length
            ? `, the digests ${digests.map((d) => `"${d.id}"`).join(", ")}`
            : ""
        }`,
      );
    }
    return await sendTestNotification(rule, {
      channels: this.#o.alerting.channels,
      track: this.#tracks.get(rule.id),
      state: this.#state,
      clock: this.#o.clock,
      currency: this.#o.currency,
      board: this.#o.board,
      ...(this.#o.fetch ? { fetch: this.#o.fetch } : {}),
    });
  }

  /**
   * Takes a notice from {@linkcode alertNotice} (sent to every instance):
   * the one that leads carries it out.
   *
   * @param payload The notice's text.
   */
  notice(payload: string): void {
    const read = readAlertNotice(payload);
    if (!read) return;
    this.mark(read.rule, read.change).catch((error) => this.#failed(error));
  }

  /**
   * Carries out an operator's silence or acknowledgement on the instance
   * that leads (the others ignore it): `silence` with `untilMs` (0 lifts
   * it), `acknowledge` for the episode firing now. Saved with the track,
   * so a restart or a new leader keeps it.
   *
   * @returns False when this instance does not lead or has no such rule,
   *   or an acknowledgement finds nothing firing.
   */
  async mark(
    ruleId: string,
    change: AlertChange,
  ): Promise<boolean> {
    if (!this.#leading || !this.rules.some((r) => r.id === ruleId)) {
      return false;
    }
    const now = this.#o.clock.now();
    const track = marked(
      this.#tracks.get(ruleId) ?? newTrack(now),
      change,
      now,
    );
    if (!track) return false;
    await this.#o.store.commit(ruleId, track, []);
    this.#tracks.set(ruleId, track);
    this.#report.refresh((id) => this.#tracks.get(id));
    this.#o.onBoard?.(this.#report.board);
    return true;
  }

  /** Resolves when nothing is under way (for tests). */
  async idle(): Promise<void> {
    while (this.#busy) await this.#busy;
    await this.#deliverer.idle();
  }

  #tick(): void {
    if (!this.#leading) return;
    if (this.#state !== undefined) this.#schedule(this.#state);
    this.#timer = this.#o.clock.setTimeout(
      () => this.#tick(),
      this.#o.tickMs ?? 1_000,
    );
  }

  /** Evaluates the latest state once the one under way is done. */
  #schedule(state: unknown): void {
    this.#queued = { state };
    if (this.#busy) return;
    this.#busy = (async () => {
      try {
        await this.#ready;
        while (this.#queued && this.#leading) {
          const { state } = this.#queued;
          this.#queued = undefined;
          if (await this.#evaluate(state)) {
            this.#o.onBoard?.(this.#report.board);
          }
          const digested = await this.#digests.run(
            isPnlState(state) ? state : undefined,
            () => this.#leading,
          );
          if (digested) this.#deliverer.kick();
        }
      } catch (error) {
        this.#failed(error);
      } finally {
        this.#busy = undefined;
      }
    })();
  }

  /**
   * Whether a rule may be judged: `ready` when given, else whether every
   * source it depends on has been read since the start.
   */
  #ruleReady(rule: AlertRule): boolean {
    const { ready, hasRead, sources } = this.#o;
    if (ready) return ready(rule);
    if (!hasRead) return true;
    return ruleSources(rule, sources?.() ?? []).every((id) => hasRead(id));
  }

  /** The newest state, when it is a P&L state. */
  #shownState(): PnlState | undefined {
    return isPnlState(this.#state) ? this.#state : undefined;
  }

  #failed(error: unknown): void {
    this.#o.onEvent?.({
      kind: "error",
      error: error instanceof Error ? error : new Error(String(error)),
    });
  }

  /**
   * Moves every rule on; true when what the board shows changed. A track
   * moves only once its transition and notifications are saved: when the
   * store fails, the next evaluation makes the same transition again.
   */
  async #evaluate(state: unknown): Promise<boolean> {
    if (this.rules.length === 0) return false;
    const { clock, store, currency, board } = this.#o;
    const now = clock.now();
    this.#evaluatedAt = now;
    let enqueued = false;
    let changed = false;
    for (const rule of this.rules) {
      if (!this.#ruleReady(rule)) continue;
      const before = this.#tracks.get(rule.id) ?? newTrack(now);
      const samples = before.samples.length;
      const judged = judge(rule, before, state, now, this.#calendars);
      const { track, event } = step(rule, before, judged.holds, now);
      const words = judged.status ??
        (judged.valueMinor !== undefined
          ? formatMoney(judged.valueMinor, currency)
          : undefined);
      // A firing alert's figure moved: the banner says so.
      if (this.#report.shown(rule.id, words)) {
        changed ||= track.phase === "firing" || track.phase === "recovering";
      }
      if (
        !event && track.phase === before.phase &&
        track.samples.length === samples
      ) {
        this.#tracks.set(rule.id, track);
        continue;
      }
      const items: OutboxItem[] = [];
      const note = event && notificationFor({
        rule,
        track,
        event,
        now,
        currency,
        board,
        ...(judged.valueMinor !== undefined
          ? { valueMinor: judged.valueMinor }
          : {}),
        ...(judged.status ? { status: judged.status } : {}),
      });
      // Silenced, or a reminder of an acknowledged episode: recorded and
      // shown, not sent.
      const sends = note !== undefined && notifies(track, event!, now);
      for (const channel of sends ? rule.notify : []) {
        items.push({
          key: `${note!.key}>${channel}`,
          channel,
          rule: rule.id,
          body: JSON.stringify(note),
          createdAt: now,
          attempts: 0,
          nextAt: now,
        });
      }
      // A deposed leader saves nothing more.
      if (!this.#leading) return changed;
      // The transition and its notifications, together.
      await store.commit(rule.id, track, items);
      this.#tracks.set(rule.id, track);
      if (note) {
        this.#report.event(note);
        this.#o.onEvent?.({
          kind: "transition",
          rule: rule.id,
          event: note.status,
          key: note.key,
        });
      }
      enqueued ||= items.length > 0;
      changed ||= event !== undefined || track.phase !== before.phase;
    }
    this.#o.onEvent?.({ kind: "evaluated", rules: this.rules.length });
    if (enqueued) this.#deliverer.kick();
    if (changed) this.#report.refresh((id) => this.#tracks.get(id));
    return changed;
  }
}

/** A saved track, if it has the shape of one. */
function asTrack(value: unknown): AlertTrack | undefined {
  const t = value as AlertTrack | undefined;
  return t && typeof t.phase === "string" && Number.isFinite(t.since) &&
      Array.isArray(t.samples)
    ? t
    : undefined;
}

/**
 * A state with alerting's part: how `onBoard`'s board joins the newest
 * state (maybe still in the batch window), never the published one, which
 * would put older figures back.
 *
 * @param state A P&L state.
 * @param board What the board shows of alerting.
 * @returns The state with `alerts`.
 */
export function withAlerts<S extends object>(
  state: S,
  board: AlertsBoard,
): S & { alerts: AlertsBoard } {
  return { ...state, alerts: board };
}
