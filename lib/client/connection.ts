/**
 * StreamClient: keeps one topic's state current over WebSocket, falling back
 * to Server-Sent Events and then long-polling when the network will not
 * carry the better transport, probing back up in the background, resuming
 * from its last `(epoch, seq)` on every reconnect and transport change, and
 * repairing gaps. Every decision is `transitions.ts`'s reducer; this class
 * only feeds it events and runs its effects with the injected clock,
 * transports, tickets and environment, and keeps the topic's view.
 * Runs in browsers and in Deno.
 *
 * @module
 */
import type { ServerEnvelope } from "../protocol/mod.ts";
import {
  type Clock,
  systemClock,
  systemRandom,
  type TimerId,
} from "../time/mod.ts";
import {
  browserEnvironment,
  type ClientEnvironment,
  listenToEnvironment,
} from "./environment.ts";
import { withTicket } from "./tickets.ts";
import {
  type ConnectionEvent,
  type ConnectionState,
  type Effect,
  initialConnection,
  type TimerName,
  type TransitionConfig,
} from "./connection_state.ts";
import { transition } from "./transitions.ts";
import type { TransportName } from "./transport_policy.ts";
import { applyEnvelope } from "./topic_view.ts";
import { pollTransport } from "./transports/poll_transport.ts";
import { sseTransport } from "./transports/sse_transport.ts";
import type {
  TransportConnection,
  TransportFactory,
} from "./transports/transport.ts";
import { wsTransport } from "./transports/ws_transport.ts";
import type { ClientState, StreamClientOptions } from "./client_options.ts";

export type { ClientState, StreamClientOptions };

/**
 * Follows one topic with automatic transport fallback, resume and gap repair.
 *
 * @example Follow a topic (needs a running server)
 * ```ts ignore
 * const client = new StreamClient({ baseUrl: "http://127.0.0.1:8000", onChange: console.log });
 * client.start();
 * client.close();
 * ```
 */
export class StreamClient {
  #baseUrl: string;
  #topic: string;
  #clock: Clock;
  #config: TransitionConfig;
  #factories: Record<TransportName, TransportFactory>;
  #env?: ClientEnvironment;
  #getTicket?: () => Promise<string>;
  #onChange?: (state: ClientState) => void;
  #onError?: (error: { code: string; message: string }) => void;
  #machine: ConnectionState;
  #state: ClientState;
  #bytes = 0;
  #conns = new Map<number, TransportConnection>();
  #timers = new Map<TimerName, TimerId>();
  #stopListening = () => {};

  /** Creates a stopped client; call {@linkcode StreamClient.start}. */
  constructor(options: StreamClientOptions) {
    const {
      baseUrl,
      topic = "pnl",
      initial,
      transports = ["ws", "sse", "poll"],
      factories = {},
      createWebSocket,
      clock = systemClock,
      random = systemRandom,
      backoff = { minMs: 500, maxMs: 20_000 },
      maxAttempts = Infinity,
      connectTimeoutMs = 5_000,
      livenessMs = 35_000,
      probeIntervalMs = 30_000,
      environment = browserEnvironment(),
      onChange,
      onError,
      getTicket,
      wsFailuresBeforeFallback,
      sseFailuresBeforeFallback,
    } = options;
    this.#baseUrl = baseUrl;
    this.#topic = topic;
    this.#clock = clock;
    this.#config = {
      backoff,
      maxAttempts,
      connectTimeoutMs,
      livenessMs,
      probeIntervalMs,
      random,
      wsFailuresBeforeFallback,
      sseFailuresBeforeFallback,
    };
    this.#factories = {
      ws: factories.ws ?? wsTransport(createWebSocket),
      sse: factories.sse ?? sseTransport(),
      poll: factories.poll ?? pollTransport(),
    };
    this.#env = environment;
    this.#getTicket = getTicket;
    this.#onChange = onChange;
    this.#onError = onError;
    this.#machine = initialConnection(transports);
    this.#state = {
      status: this.#machine.status,
      transport: this.#machine.transport,
      view: initial,
      reconnects: 0,
      resyncs: 0,
      gaps: 0,
      bytesReceived: 0,
    };
  }

  /** The current state. */
  get state(): ClientState {
    return this.#state;
  }

  /** Opens the first connection and starts listening to the environment. */
  start(): void {
    if (this.#machine.phase.kind !== "idle") return;
    this.#stopListening = listenToEnvironment(this.#env, {
      offline: () => this.#dispatch({ type: "offline" }),
      online: () => this.#dispatch({ type: "online" }),
      visibilitychange: () => {
        if (!this.#env?.isVisible()) return;
        const quietMs = this.#clock.now() - (this.#state.lastMessageAt ?? 0);
        this.#dispatch({ type: "visible", quietMs });
      },
    });
    this.#dispatch({ type: "start", online: this.#env?.isOnline() ?? true });
  }

  /** Closes for good; no reconnect follows. */
  close(): void {
    this.#dispatch({ type: "close" });
  }

  /** Disposes the client. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Feeds one event to the reducer, runs its effects, and shows the result. */
  #dispatch(event: ConnectionEvent, patch: Partial<ClientState> = {}): void {
    const { state, effects } = transition(this.#machine, event, this.#config);
    this.#machine = state;
    for (const effect of effects) this.#run(effect);
    if (state.phase.kind === "closed") {
      this.#stopListening();
      this.#stopListening = () => {};
    }
    const next: ClientState = {
      ...this.#state,
      ...patch,
      status: state.status,
      transport: state.transport,
      fallbackReason: state.policy.fallbackReason,
      reconnects: state.reconnects,
      gaps: state.gaps,
    };
    if (!sameState(this.#state, next)) {
      this.#state = next;
      this.#onChange?.(next);
    }
  }

  #run(effect: Effect): void {
    switch (effect.type) {
      case "open":
        return this.#open(effect.gen, effect.transport);
      case "close":
        this.#conns.get(effect.gen)?.close();
        this.#conns.delete(effect.gen);
        return;
      case "resubscribe":
        return this.#conns.get(effect.gen)?.resubscribe();
      case "set_timer": {
        this.#clearTimer(effect.timer);
        const { timer } = effect;
        this.#timers.set(
          timer,
          this.#clock.setTimeout(() => {
            this.#timers.delete(timer);
            this.#dispatch({ type: "timer", timer });
          }, effect.ms),
        );
        return;
      }
      case "clear_timer":
        return this.#clearTimer(effect.timer);
      case "error":
        this.#onError?.({ code: effect.code, message: effect.message });
        return;
    }
  }

  /**
   * Opens generation `gen`'s transport (after a ticket, when needed). One
   * set of handlers serves the connection and a background probe alike;
   * the reducer tells them apart by `gen` and drops stale callbacks.
   */
  #open(gen: number, transport: TransportName): void {
    const live = () => this.#isLive(gen);
    withTicket(this.#getTicket, {
      wanted: live,
      fail: (message) =>
        this.#dispatch({ type: "ticket_failed", gen, message }),
      open: (query) => {
        const conn = this.#factories[transport]({
          baseUrl: this.#baseUrl,
          topic: this.#topic,
          query,
          position: () => this.#position(),
          handlers: {
            onOpen: () => this.#dispatch({ type: "opened", gen }),
            onBytes: (n) => {
              this.#bytes += n;
            },
            onActivity: () => {
              if (live()) this.#dispatch({ type: "activity", gen });
            },
            onEnvelope: (envelope) => this.#receive(gen, envelope),
            onAcknowledged: () => {
              if (live()) {
                this.#dispatch({ type: "acknowledged", gen }, {
                  lastMessageAt: this.#clock.now(),
                });
              }
            },
            onEnd: (end) => {
              this.#conns.delete(gen);
              this.#dispatch({ type: "ended", gen, end });
            },
          },
        });
        if (live()) this.#conns.set(gen, conn);
        else conn.close();
      },
    });
  }

  /** Whether `gen` is the current attempt or the probe. */
  #isLive(gen: number): boolean {
    const m = this.#machine;
    return (m.phase.kind === "attempting" && m.phase.attempt.gen === gen) ||
      m.probe?.gen === gen;
  }

  #receive(gen: number, envelope: ServerEnvelope): void {
    const m = this.#machine;
    const current = m.phase.kind === "attempting" &&
      m.phase.attempt.gen === gen;
    const isState = envelope.type === "snapshot" || envelope.type === "delta";
    // A heartbeat acknowledges the subscription when there was nothing to
    // send: for liveness it is as good as data, however quiet the topic.
    const isAck = envelope.type === "heartbeat";
    // A probe counts from its first state message or acknowledgment, when
    // it is adopted.
    if (!current && !(m.probe?.gen === gen && (isState || isAck))) return;
    const now = this.#clock.now();
    if (envelope.type === "error") {
      this.#onError?.({ code: envelope.code, message: envelope.message });
      return;
    }
    if (isAck) {
      this.#dispatch({ type: "acknowledged", gen }, { lastMessageAt: now });
      return;
    }
    if (!isState) {
      this.#dispatch({ type: "activity", gen }, { lastMessageAt: now });
      return;
    }
    if (envelope.topic !== this.#topic) return;
    const { view, outcome } = applyEnvelope(this.#state.view, envelope);
    if (outcome === "gap") {
      this.#dispatch({ type: "gap", gen });
      return;
    }
    const sent = Date.parse(envelope.ts);
    const resynced = outcome === "snapshot" && this.#state.view !== undefined;
    this.#dispatch({ type: "state_message", gen }, {
      view,
      lastMessageAt: now,
      latencyMs: Number.isFinite(sent) ? Math.max(0, now - sent) : undefined,
      bytesReceived: this.#bytes,
      ...(resynced ? { resyncs: this.#state.resyncs + 1 } : {}),
    });
  }

  #position(): { since?: number; epoch?: string } {
    const v = this.#state.view;
    return v ? { since: v.seq, epoch: v.epoch } : {};
  }

  #clearTimer(timer: TimerName): void {
    const id = this.#timers.get(timer);
    if (id !== undefined) this.#clock.clearTimeout(id);
    this.#timers.delete(timer);
  }
}

/** Whether two client states would look the same (no change to report). */
function sameState(a: ClientState, b: ClientState): boolean {
  for (const key of Object.keys(b) as (keyof ClientState)[]) {
    if (a[key] !== b[key]) return false;
  }
  return true;
}
