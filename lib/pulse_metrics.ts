/**
 * Pulseboard's metrics: the families, their names and labels (documented in
 * docs/observability.md), and the hooks the parts call. Hot paths only
 * increment numbers; connection counts, breaker states and cache tier
 * stats are read at scrape time.
 *
 * @module
 */
import type { CircuitState } from "./resilience/mod.ts";
import type { StatusPicture } from "./status.ts";
import type { StreamEvent } from "./stream/mod.ts";
import { type Labels, Metrics } from "./metrics.ts";

/**
 * What the collected series read from: the status picture, taken once per
 * scrape.
 */
export type StatusReader = () => Pick<
  StatusPicture,
  "connections" | "sources" | "cache" | "redis" | "leader" | "topics"
>;

/** The registry and the hooks that feed it. */
export interface PulseMetrics {
  readonly metrics: Metrics;
  /** Stream events (subscribe, catch-up, slow close). */
  onEvent(event: StreamEvent): void;
  /** One message written to a client. */
  onSent(transport: string, type: string, bytes: number): void;
  /** One published delta and its fan-out. */
  onPublish(topic: string, fanoutMs: number): void;
  /** One source read and how it went. */
  onSourceRead(
    source: string,
    seconds: number,
    outcome: "ok" | "cached" | "error",
  ): void;
  /** An upstream retry (throttled when the server said 429). */
  onRetry(source: string, throttled: boolean): void;
  /** One webhook delivery: `accepted`, `duplicate`, or why it was refused. */
  onIngest(source: string, outcome: string): void;
  /** Counts a refused API token: `bad_token` or `locked_out`. */
  onAuthFailure(outcome: string): void;
  /** Counts a request refused before routing, by reason (`host`). */
  onRefused(reason: string): void;
  /** Counts a new stream refused by a limit, by reason. */
  onStreamRefused(reason: string): void;
  /** One alerting event: an evaluation, a transition, a delivery outcome. */
  onAlert(event: AlertMetricEvent): void;
}

/** What alerting reports to the metrics (the service's events). */
export type AlertMetricEvent =
  | { kind: "evaluated"; rules: number }
  | { kind: "transition"; rule: string; event: string }
  | { kind: "delivery"; channel: string; outcome: string };

const STATES: CircuitState[] = ["closed", "open", "half_open"];

/**
 * Builds the metrics.
 *
 * @param status Where the collected series come from.
 * @returns The registry and hooks.
 */
export function createPulseMetrics(status: StatusReader): PulseMetrics {
  const m = new Metrics();
  // One picture per scrape: rendering is synchronous, so every family of
  // one scrape reads the same picture, and the next scrape a fresh one.
  let scraped: ReturnType<StatusReader> | undefined;
  const picture = () => {
    if (!scraped) {
      scraped = status();
      queueMicrotask(() => scraped = undefined);
    }
    return scraped;
  };
  m.collected(
    "pulse_connected_clients",
    "Open client connections by transport.",
    "gauge",
    function* () {
      for (const transport of ["ws", "sse", "poll"]) {
        yield [{ transport }, picture().connections[transport as "ws"] ?? 0];
      }
    },
  );
  const sent = m.counter(
    "pulse_messages_sent_total",
    "Messages written to clients, by transport and envelope type.",
  );
  const bytes = m.counter(
    "pulse_sent_bytes_total",
    "Bytes of messages written to clients, by transport.",
  );
  const subscriptions = m.counter(
    "pulse_subscriptions_total",
    "Subscriptions served, by transport and how: resumed from history or a snapshot.",
  );
  const catchUps = m.counter(
    "pulse_slow_consumer_catchups_total",
    "Catch-ups sent to clients that fell behind.",
  );
  const slowCloses = m.counter(
    "pulse_slow_consumer_disconnects_total",
    "Clients closed for staying backed up.",
  );
  const published = m.counter(
    "pulse_published_messages_total",
    "Deltas published, by topic.",
  );
  const fanout = m.histogram(
    "pulse_publish_fanout_seconds",
    "Time to hand one delta to every local subscriber.",
    [
      0.0001,
      0.0005,
      0.001,
      0.005,
      0.01,
      0.05,
      0.1,
    ],
  );
  const reads = m.histogram(
    "pulse_source_read_seconds",
    "Source read duration, including cache and retries.",
    [
      0.001,
      0.01,
      0.05,
      0.1,
      0.5,
      1,
      5,
    ],
  );
  const readOutcomes = m.counter(
    "pulse_source_reads_total",
    "Source reads by outcome: ok (fresh), cached (a stored value stood in), error (nothing to show).",
  );
  const retries = m.counter(
    "pulse_source_retries_total",
    "Upstream retries by source and cause (throttled or failed).",
  );
  const authFailures = m.counter(
    "pulse_auth_failures_total",
    "API tokens refused: bad_token (did not match) or locked_out (429 after too many).",
  );
  const refused = m.counter(
    "pulse_http_refused_total",
    "Requests refused before any route, by reason: host (a Host header not served, 421).",
  );
  const streamsRefused = m.counter(
    "pulse_streams_refused_total",
    "New WebSocket, SSE and long-poll streams refused by a limit, by reason: memory (over PULSE_MEMORY_BUDGET_MB, 503), capacity (PULSE_MAX_CONNECTIONS, 503), credential (PULSE_MAX_STREAMS_PER_CREDENTIAL, 429), address (per client address, 429).",
  );
  const alertEvaluations = m.counter(
    "pulse_alert_evaluations_total",
    "Rule evaluations (each rule on each new state and each tick while leading).",
  );
  const alertEvents = m.counter(
    "pulse_alert_notifications_total",
    "Alert events by rule and event: firing, reminder, resolved.",
  );
  const alertDeliveries = m.counter(
    "pulse_alert_deliveries_total",
    "Notification delivery attempts by channel and outcome: delivered, retry, failed.",
  );
  const ingests = m.counter(
    "pulse_ingest_total",
    "Webhook deliveries by source and outcome: accepted, duplicate, or the refusal (signature_mismatch, signature_stale, signature_missing, signature_malformed, invalid, too_large, unknown_source).",
  );
  m.collected(
    "pulse_breaker_state",
    "1 for each source's current circuit breaker state.",
    "gauge",
    function* () {
      for (const [source, { breaker }] of Object.entries(picture().sources)) {
        for (const s of STATES) {
          yield [
            { source, state: s },
            s === breaker ? 1 : 0,
          ];
        }
      }
    },
  );
  const tierStat = (stat: "hits" | "misses" | "errors") =>
    function* (): Generator<[Labels, number]> {
      for (const [tier, t] of Object.entries(picture().cache)) {
        yield [{ tier }, t[stat]];
      }
    };
  m.collected(
    "pulse_cache_hits_total",
    "Cache reads answered by the tier.",
    "counter",
    tierStat("hits"),
  );
  m.collected(
    "pulse_cache_misses_total",
    "Cache reads the tier could not answer.",
    "counter",
    tierStat("misses"),
  );
  m.collected(
    "pulse_cache_errors_total",
    "Cache operations that failed in the tier.",
    "counter",
    tierStat("errors"),
  );
  m.collected(
    "pulse_cache_read_seconds_total",
    "Time spent reading from the tier (L2 only: the other tiers are in-process and synchronous).",
    "counter",
    function* () {
      const l2 = picture().cache.L2;
      if (l2) yield [{ tier: "L2" }, l2.readMs / 1000];
    },
  );
  m.collected(
    "pulse_redis_up",
    "1 when Redis is configured and reachable, 0 when configured and not.",
    "gauge",
    function* () {
      const { configured, up } = picture().redis;
      if (configured) yield [{}, up ? 1 : 0];
    },
  );
  m.collected(
    "pulse_leader",
    "1 when this instance polls upstream and publishes (always, without Redis).",
    "gauge",
    function* () {
      yield [{}, picture().leader ? 1 : 0];
    },
  );
  m.collected(
    "pulse_topic_seq",
    "The current seq of each topic.",
    "gauge",
    function* () {
      for (const [topic, { seq }] of Object.entries(picture().topics)) {
        yield [{ topic }, seq];
      }
    },
  );

  const sentSeries = new Map<
    string,
    Map<string, [{ inc(by?: number): void }, { inc(by?: number): void }]>
  >();
  // A long-poll subscribes once per message: bound series, as for sends.
  const subscribeSeries = new Map<
    string,
    { resumed?: { inc(): void }; snapshot?: { inc(): void } }
  >();
  return {
    metrics: m,
    onEvent(event) {
      if (event.kind === "subscribe") {
        const how = event.resumed ? "resumed" : "snapshot";
        let byHow = subscribeSeries.get(event.transport);
        if (!byHow) subscribeSeries.set(event.transport, byHow = {});
        (byHow[how] ??= subscriptions.series({
          transport: event.transport,
          how,
        })).inc();
      } else if (event.kind === "catch_up") {
        catchUps.inc({ transport: event.transport });
      } else slowCloses.inc({ transport: event.transport });
    },
    onSent(transport, type, n) {
      // Called once per message per client: bound series, no label work
      // and no string built per call.
      let byType = sentSeries.get(transport);
      if (!byType) sentSeries.set(transport, byType = new Map());
      let pair = byType.get(type);
      if (!pair) {
        pair = [sent.series({ transport, type }), bytes.series({ transport })];
        byType.set(type, pair);
      }
      pair[0].inc();
      pair[1].inc(n);
    },
    onPublish(topic, fanoutMs) {
      published.inc({ topic });
      fanout.observe(fanoutMs / 1000);
    },
    onSourceRead(source, seconds, outcome) {
      reads.observe(seconds, { source });
      readOutcomes.inc({ source, outcome });
    },
    onRetry(source, throttled) {
      retries.inc({ source, cause: throttled ? "throttled" : "failed" });
    },
    onIngest(source, outcome) {
      ingests.inc({ source, outcome });
    },
    onAuthFailure(outcome) {
      authFailures.inc({ outcome });
    },
    onRefused(reason) {
      refused.inc({ reason });
    },
    onStreamRefused(reason) {
      streamsRefused.inc({ reason });
    },
    onAlert(event) {
      if (event.kind === "evaluated") alertEvaluations.inc({}, event.rules);
      else if (event.kind === "transition") {
        alertEvents.inc({ rule: event.rule, event: event.event });
      } else {
        alertDeliveries.inc({ channel: event.channel, outcome: event.outcome });
      }
    },
  };
}
