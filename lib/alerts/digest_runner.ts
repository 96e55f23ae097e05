/**
 * Sends each digest once per occurrence, on the instance that leads. Each
 * digest keeps a track in the alert store (`digest:<id>`: the occurrence
 * last handled); a digest due is built, and its notifications are saved
 * with the moved track in one commit, under the key
 * `digest:<id>:<date>` per channel, which the outbox never takes twice.
 * So a digest goes out once across restarts, leader changes and a store
 * that fails mid-way; one missed while no instance ran goes out once on
 * return (only the latest: a digest three days late is one digest, not
 * three); a digest new in the file starts with its next occurrence.
 *
 * @module
 */
import type { PnlState } from "../protocol/mod.ts";
import type { Source } from "../sources/mod.ts";
import {
  type Clock,
  LocalTimeSchedule,
  type ReportingCalendar,
} from "../time/mod.ts";
import type { AlertStore, OutboxItem } from "./alert_store.ts";
import {
  buildDigest,
  type DigestAlert,
  type DigestNotification,
  digestSpans,
} from "./digest.ts";
import { type DigestSpec, WEEKDAYS } from "./digest_spec.ts";
import type { Notice } from "./notification.ts";
import type { ChannelSpec } from "./channel_spec.ts";
import { sendTestThrough, type TestResult } from "./test_send.ts";

/** A digest's saved place: the occurrence last handled. */
interface DigestTrack {
  /** Epoch ms. */
  at: number;
  /** Its local date. */
  date: string;
}

/** The store key of a digest's track. */
export function digestTrackKey(id: string): string {
  return `digest:${id}`;
}

/** Options for {@linkcode DigestRunner}. */
export interface DigestRunnerOptions {
  digests: readonly DigestSpec[];
  calendar: ReportingCalendar;
  store: AlertStore;
  clock: Clock;
  /** The board's sources, whose ledgers give a span's figures. */
  sources: () => readonly Source[];
  /**
   * Whether the figures can be trusted yet (every source read since
   * start): a digest due waits for it.
   * @default {() => true}
   */
  ready?: () => boolean;
  currency: string;
  board: string;
}

/** How many outbox items are read back for a span's alerts. */
const ALERT_LOOKBACK = 500;

/** Makes the digests that are due. */
export class DigestRunner {
  #o: DigestRunnerOptions;
  #schedules: Map<string, LocalTimeSchedule>;
  #tracks = new Map<string, DigestTrack>();
  /** When each digest is next due (nothing to do before). */
  #nextAt = new Map<string, number>();

  /** Creates the runner. */
  constructor(options: DigestRunnerOptions) {
    this.#o = options;
    this.#schedules = new Map(
      options.digests.map((d) => [
        d.id,
        new LocalTimeSchedule(options.calendar.timeZone, {
          hour: d.hour,
          minute: d.minute,
          ...(d.on ? { weekday: WEEKDAYS.indexOf(d.on) + 1 } : {}),
        }),
      ]),
    );
  }

  /** Whether a digest has this id. */
  has(id: string): boolean {
    return this.#schedules.has(id);
  }

  /**
   * Sends a digest as it would go out now through its channels at once
   * (not through the outbox, nothing saved), with `Test: ` before its
   * title and a key of its own, so a receiver that drops repeats still
   * takes the real one.
   *
   * @param id The digest's id.
   * @param state The newest P&L state.
   * @param options The channels, and the fetch to use.
   * @returns How each channel took it.
   * @throws {RangeError} For an unknown digest id.
   */
  async sendTest(
    id: string,
    state: PnlState | undefined,
    options: { channels: readonly ChannelSpec[]; fetch?: typeof fetch },
  ): Promise<TestResult[]> {
    const note = await this.preview(id, state);
    const spec = this.#o.digests.find((d) => d.id === id)!;
    return await sendTestThrough(spec.notify, {
      ...note,
      key: `${note.key}:test:${this.#o.clock.now()}`,
      title: `Test: ${note.title}`,
    }, { ...options, clock: this.#o.clock });
  }

  /** Whether there is anything to run. */
  get empty(): boolean {
    return this.#o.digests.length === 0;
  }

  /**
   * Takes the tracks as the store holds them (at the start of leading).
   *
   * @param saved Every saved track, by key.
   */
  load(saved: Record<string, unknown>): void {
    this.#tracks = new Map();
    this.#nextAt = new Map();
    for (const d of this.#o.digests) {
      const t = saved[digestTrackKey(d.id)] as DigestTrack | undefined;
      if (t && Number.isFinite(t.at) && typeof t.date === "string") {
        this.#tracks.set(d.id, t);
      }
    }
  }

  /**
   * Makes each digest whose occurrence has come since it last ran.
   *
   * @param state The newest P&L state (none yet: a digest due waits).
   * @param leading Whether this instance still leads (a deposed leader
   *   saves nothing).
   * @returns Whether anything was enqueued.
   */
  async run(
    state: PnlState | undefined,
    leading: () => boolean,
  ): Promise<boolean> {
    const { store, clock } = this.#o;
    const now = clock.now();
    let enqueued = false;
    for (const spec of this.#o.digests) {
      const track = this.#tracks.get(spec.id);
      // Runs on every state: the zone's arithmetic waits for the next time.
      if (now < (this.#nextAt.get(spec.id) ?? -Infinity)) continue;
      const schedule = this.#schedules.get(spec.id)!;
      const slot = schedule.last(now);
      if (track && slot.at <= track.at) {
        this.#nextAt.set(spec.id, schedule.next(now).at);
        continue;
      }
      const next: DigestTrack = { at: slot.at, date: slot.date };
      if (!track) {
        // New in the file: nothing was missed; it starts with its next time.
        if (!leading()) return enqueued;
        await store.commit(digestTrackKey(spec.id), next, []);
        this.#tracks.set(spec.id, next);
        continue;
      }
      if (!state || !(this.#o.ready?.() ?? true)) continue;
      const { covered } = digestSpans(spec.every, this.#o.calendar, slot.at);
      const digest = buildDigest({
        spec,
        slot,
        calendar: this.#o.calendar,
        sources: this.#o.sources(),
        state,
        fired: alertsIn(await store.recent(ALERT_LOOKBACK), covered),
        currency: this.#o.currency,
        board: this.#o.board,
        now,
      });
      const body = JSON.stringify(digest);
      const items = spec.notify.map((channel): OutboxItem => ({
        key: `${digest.key}>${channel}`,
        channel,
        rule: digest.rule,
        body,
        createdAt: now,
        attempts: 0,
        nextAt: now,
      }));
      if (!leading()) return enqueued;
      await store.commit(digestTrackKey(spec.id), next, items);
      this.#tracks.set(spec.id, next);
      enqueued = true;
    }
    return enqueued;
  }

  /**
   * A digest as it would be sent now for its latest occurrence, without
   * sending or saving it (the console's preview and send-test).
   *
   * @throws {RangeError} For an unknown digest id.
   */
  async preview(
    id: string,
    state: PnlState | undefined,
  ): Promise<DigestNotification> {
    const spec = this.#o.digests.find((d) => d.id === id);
    if (!spec) {
      throw new RangeError(
        `no digest has the id "${id}"; the digests are ${
          this.#o.digests.map((d) => `"${d.id}"`).join(", ") || "none"
        }`,
      );
    }
    const now = this.#o.clock.now();
    const slot = this.#schedules.get(id)!.last(now);
    const { covered } = digestSpans(spec.every, this.#o.calendar, slot.at);
    return buildDigest({
      spec,
      slot,
      calendar: this.#o.calendar,
      sources: this.#o.sources(),
      ...(state ? { state } : {}),
      fired: alertsIn(await this.#o.store.recent(ALERT_LOOKBACK), covered),
      currency: this.#o.currency,
      board: this.#o.board,
      now,
    });
  }
}

/**
 * The alert episodes that fired within a span, as the outbox recorded
 * their notifications (one per episode, however many channels), oldest
 * first, with when each resolved.
 */
function alertsIn(
  items: readonly OutboxItem[],
  span: { from: number; to: number },
): DigestAlert[] {
  const episodes = new Map<string, DigestAlert>();
  const resolved = new Map<string, string>();
  for (const item of items) {
    let n: Notice;
    try {
      n = JSON.parse(item.body) as Notice;
    } catch {
      continue;
    }
    if (n.status === "digest" || n.status === "test") continue;
    const episode = n.key.split(":").slice(0, 2).join(":");
    if (n.status === "resolved" && n.endsAt) resolved.set(episode, n.endsAt);
    const since = Date.parse(n.startsAt);
    // The firing notification's words, not the resolve's.
    if (n.status !== "firing" || since < span.from || since >= span.to) {
      continue;
    }
    episodes.set(episode, {
      rule: n.rule,
      severity: n.severity,
      summary: n.summary,
      since: n.startsAt,
    });
  }
  return [...episodes].map(([episode, a]) => {
    const end = resolved.get(episode);
    return end && Date.parse(end) < span.to ? { ...a, resolvedAt: end } : a;
  }).sort((a, b) => a.since.localeCompare(b.since));
}
