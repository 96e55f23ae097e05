/**
 * StreamClient: keeps one topic's state current over WebSocket, falling back
 * to Server-Sent Events and then long-polling when the network will not
 * carry the better transport, probing back up in the background, resuming
 * from its last `(epoch, seq)` on every reconnect and transport change, and
 * repairing gaps. The transport choice is `transitions.ts`'s pure policy;
 * this class runs it with the injected clock, randomness and transports.
 * Runs in browsers and in Deno.
 *
 * @module
 */
import { backoffDelay, type BackoffOptions } from "../resilience/mod.ts";
import type { ServerEnvelope } from "../protocol/mod.ts";
import {
  type Clock,
  systemClock,
  systemRandom,
  type TimerId,
} from "../time/mod.ts";
import {
  type AttemptEnd,
  type ClientStatus,
  initialPolicy,
  liveStatus,
  nextPolicy,
  type PolicyOptions,
  type PolicyState,
  type TransportName,
} from "./transitions.ts";
import { applyEnvelope, type TopicView } from "./topic_view.ts";
import { pollTransport } from "./transports/poll_transport.ts";
import { sseTransport } from "./transports/sse_transport.ts";
import type {
  TransportConnection,
  TransportFactory,
} from "./transports/transport.ts";
import { type ClientSocket, wsTransport } from "./transports/ws_transport.ts";

/** What the client exposes to views. */
export interface ClientState {
  /** The connection's status. */
  readonly status: ClientStatus;
  /** The transport in use (or being tried). */
  readonly transport: TransportName;
  /** Why the client is not on the best transport, when it is not. */
  readonly fallbackReason?: string;
  /** The topic's state, once known. */
  readonly view?: TopicView;
  /** Message `ts` to receipt for the last state message, ms. */
  readonly latencyMs?: number;
  /** When the last message arrived, epoch ms. */
  readonly lastMessageAt?: number;
  /** Reconnects since start. */
  readonly reconnects: number;
  /** Snapshots taken to resync (after the first). */
  readonly resyncs: number;
  /** Deltas that did not follow the held seq (each repaired by a resubscribe). */
  readonly gaps: number;
  /** Text received since start, in characters. */
  readonly bytesReceived: number;
}

/** Browser events the client reacts to (window and document). */
export interface ClientEnvironment {
  addEventListener(
    type: "online" | "offline" | "visibilitychange",
    fn: () => void,
  ): void;
  removeEventListener(
    type: "online" | "offline" | "visibilitychange",
    fn: () => void,
  ): void;
  /** Whether the browser believes it is online. */
  isOnline(): boolean;
  /** Whether the page is visible. */
  isVisible(): boolean;
}

/** Options for {@linkcode StreamClient}. */
export interface StreamClientOptions extends PolicyOptions {
  /** The server's base URL, such as `http://127.0.0.1:8000`. */
  baseUrl: string;
  /**
   * The topic to follow.
   * @default {"pnl"}
   */
  topic?: string;
  /** A view the page already has (the server-rendered snapshot). */
  initial?: TopicView;
  /**
   * Allowed transports, best first; one entry forces it (`?transport=sse`).
   * @default {["ws", "sse", "poll"]}
   */
  transports?: readonly TransportName[];
  /** Transport implementations (injectable for tests). */
  factories?: Partial<Record<TransportName, TransportFactory>>;
  /** Opens a WebSocket, when the default WebSocket transport is used. */
  createWebSocket?: (url: string) => ClientSocket;
  /**
   * Time source.
   * @default {systemClock}
   */
  clock?: Clock;
  /**
   * Uniform random numbers in [0, 1), for backoff jitter.
   * @default {systemRandom}
   */
  random?: () => number;
  /** Reconnect backoff bounds. */
  backoff?: BackoffOptions;
  /**
   * Failed attempts in a row after which the client gives up (status
   * `closed`, with an error event); unlimited by default.
   * @default {Infinity}
   */
  maxAttempts?: number;
  /**
   * How long an attempt may take to open and deliver its first message, ms.
   * @default {5000}
   */
  connectTimeoutMs?: number;
  /**
   * Silence after which a connection is declared dead, ms (about two
   * server heartbeat intervals, so seconds, not minutes).
   * @default {35000}
   */
  livenessMs?: number;
  /**
   * How often a WebSocket probe runs while on a fallback transport, ms.
   * @default {30000}
   */
  probeIntervalMs?: number;
  /**
   * Fetches a ticket for each connection, when the server requires
   * credentials (browsers cannot set headers on WebSocket or SSE).
   */
  getTicket?: () => Promise<string>;
  /** Online/offline and visibility events; the browser's when present. */
  environment?: ClientEnvironment;
  /** Called after every change of {@linkcode ClientState}. */
  onChange?: (state: ClientState) => void;
  /** Called for `error` envelopes and transport failures; never throws. */
  onError?: (error: { code: string; message: string }) => void;
}

interface Attempt {
  gen: number;
  transport: TransportName;
  conn?: TransportConnection;
  opened: boolean;
  gotMessage: boolean;
}

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
  #o: Required<
    Pick<
      StreamClientOptions,
      | "baseUrl"
      | "topic"
      | "clock"
      | "random"
      | "connectTimeoutMs"
      | "livenessMs"
      | "probeIntervalMs"
    >
  >;
  #policyOptions: PolicyOptions;
  #backoff: BackoffOptions;
  #maxAttempts: number;
  #factories: Record<TransportName, TransportFactory>;
  #env?: ClientEnvironment;
  #getTicket?: () => Promise<string>;
  #onChange?: (state: ClientState) => void;
  #onError?: (error: { code: string; message: string }) => void;
  #policy: PolicyState;
  #state: ClientState;
  #bytes = 0;
  #gen = 0;
  #attempt?: Attempt;
  #probe?: Attempt;
  #probeTimer?: TimerId;
  #timers = new Map<"retry" | "connect" | "liveness" | "probe", TimerId>();
  #started = false;
  #listeners: [("online" | "offline" | "visibilitychange"), () => void][] = [];

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
    this.#o = {
      baseUrl,
      topic,
      clock,
      random,
      connectTimeoutMs,
      livenessMs,
      probeIntervalMs,
    };
    this.#policyOptions = {
      wsFailuresBeforeFallback,
      sseFailuresBeforeFallback,
    };
    this.#backoff = backoff;
    this.#maxAttempts = maxAttempts;
    this.#factories = {
      ws: factories.ws ?? wsTransport(createWebSocket),
      sse: factories.sse ?? sseTransport(),
      poll: factories.poll ?? pollTransport(),
    };
    this.#env = environment;
    this.#getTicket = getTicket;
    this.#onChange = onChange;
    this.#onError = onError;
    this.#policy = initialPolicy(transports);
    this.#state = {
      status: "connecting",
      transport: this.#policy.transport,
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
    if (this.#started || this.#state.status === "closed") return;
    this.#started = true;
    const on = (
      type: "online" | "offline" | "visibilitychange",
      fn: () => void,
    ) => {
      this.#env?.addEventListener(type, fn);
      this.#listeners.push([type, fn]);
    };
    on("offline", () => this.#goOffline());
    on("online", () => this.#goOnline());
    on("visibilitychange", () => this.#revalidate());
    if (this.#env && !this.#env.isOnline()) this.#goOffline();
    else this.#connect();
  }

  /** Closes for good; no reconnect follows. */
  close(): void {
    for (const [type, fn] of this.#listeners) {
      this.#env?.removeEventListener(type, fn);
    }
    this.#listeners = [];
    this.#dropAttempt();
    this.#dropProbe();
    this.#clearTimer("retry");
    this.#clearTimer("probe");
    this.#set({ status: "closed" });
  }

  /** Disposes the client. */
  [Symbol.dispose](): void {
    this.close();
  }

  #connect(): void {
    this.#dropAttempt();
    const transport = this.#policy.transport;
    const attempt: Attempt = {
      gen: ++this.#gen,
      transport,
      opened: false,
      gotMessage: false,
    };
    this.#attempt = attempt;
    this.#set({ transport, fallbackReason: this.#policy.fallbackReason });
    this.#setTimer("connect", this.#o.connectTimeoutMs, () => {
      if (this.#attempt === attempt) {
        this.#end(attempt, attempt.opened ? "silent" : "no_open", "timed out");
      }
    });
    this.#withTicket(
      () => this.#attempt === attempt,
      (query) => this.#open(attempt, query),
      (error) => this.#end(attempt, "closed", `no ticket: ${error}`),
    );
  }

  /** Runs `open` with a fresh ticket when the server needs one. */
  #withTicket(
    stillWanted: () => boolean,
    open: (query: Record<string, string>) => void,
    fail: (error: string) => void,
  ): void {
    if (!this.#getTicket) return open({});
    this.#getTicket().then(
      (ticket) => {
        if (stillWanted()) open({ ticket });
      },
      (error) => {
        if (stillWanted()) {
          fail(error instanceof Error ? error.message : String(error));
        }
      },
    );
  }

  /**
   * Opens `attempt`'s transport. One set of handlers serves the current
   * connection and a background probe alike: a probe becomes the
   * connection on its first state message, and from then on is treated
   * exactly as any other.
   */
  #open(attempt: Attempt, query: Record<string, string>): void {
    attempt.conn = this.#factories[attempt.transport]({
      baseUrl: this.#o.baseUrl,
      topic: this.#o.topic,
      query,
      position: () => this.#position(),
      handlers: {
        onOpen: () => {
          attempt.opened = true;
        },
        onBytes: (n) => {
          this.#bytes += n;
        },
        onActivity: () => {
          if (this.#attempt === attempt) this.#armLiveness(attempt);
        },
        onEnvelope: (envelope) => {
          if (this.#probe === attempt) {
            if (envelope.type !== "snapshot" && envelope.type !== "delta") {
              return;
            }
            this.#adoptProbe(attempt);
          }
          if (this.#attempt === attempt) this.#receive(attempt, envelope);
        },
        onEnd: ({ reason, retryAfterMs }) => {
          if (this.#probe === attempt) return this.#abandonProbe();
          if (this.#attempt !== attempt) return;
          const how: AttemptEnd = attempt.gotMessage
            ? "closed"
            : attempt.opened
            ? "closed_before_message"
            : "no_open";
          this.#end(attempt, how, reason, retryAfterMs);
        },
      },
    });
  }

  #receive(attempt: Attempt, envelope: ServerEnvelope): void {
    const now = this.#o.clock.now();
    if (envelope.type === "error") {
      this.#onError?.({ code: envelope.code, message: envelope.message });
      return;
    }
    if (envelope.type !== "snapshot" && envelope.type !== "delta") {
      this.#set({ lastMessageAt: now });
      return;
    }
    if (envelope.topic !== this.#o.topic) return;
    const { view, outcome } = applyEnvelope(this.#state.view, envelope);
    if (outcome === "gap") {
      this.#set({ gaps: this.#state.gaps + 1 });
      attempt.conn?.resubscribe();
      return;
    }
    if (!attempt.gotMessage) {
      attempt.gotMessage = true;
      this.#clearTimer("connect");
      this.#policy = nextPolicy(
        this.#policy,
        { type: "message" },
        this.#policyOptions,
      );
      this.#scheduleProbe();
    }
    const sent = Date.parse(envelope.ts);
    const resynced = outcome === "snapshot" && this.#state.view !== undefined;
    this.#set({
      status: liveStatus(this.#policy),
      transport: attempt.transport,
      view,
      lastMessageAt: now,
      latencyMs: Number.isFinite(sent) ? Math.max(0, now - sent) : undefined,
      bytesReceived: this.#bytes,
      ...(resynced ? { resyncs: this.#state.resyncs + 1 } : {}),
    });
  }

  #end(
    attempt: Attempt,
    how: AttemptEnd,
    reason: string,
    retryAfterMs?: number,
  ): void {
    if (this.#attempt !== attempt) return;
    this.#dropAttempt();
    if (reason !== "resubscribing") {
      this.#onError?.({
        code: "transport",
        message: `${attempt.transport}: ${reason}`,
      });
    }
    const before = this.#policy.transport;
    this.#policy = reason === "resubscribing"
      ? this.#policy
      : nextPolicy(this.#policy, { type: "ended", how }, this.#policyOptions);
    if (this.#state.status === "offline" || this.#state.status === "closed") {
      return;
    }
    if (this.#policy.streak >= this.#maxAttempts) {
      this.#onError?.({
        code: "gave_up",
        message:
          `gave up after ${this.#policy.streak} failed attempts in a row; last: ${reason}`,
      });
      this.close();
      return;
    }
    // A move to another transport is tried at once; the same one backs off,
    // unless the server said when to come back.
    const delay = reason === "resubscribing"
      ? 0
      : retryAfterMs ?? (this.#policy.transport !== before
        ? 0
        : backoffDelay(this.#policy.streak - 1, this.#o.random, this.#backoff));
    this.#set({
      status: "reconnecting",
      transport: this.#policy.transport,
      fallbackReason: this.#policy.fallbackReason,
      reconnects: this.#state.reconnects + 1,
    });
    this.#setTimer("retry", delay, () => this.#connect());
  }

  /** While on a fallback, tries the best transport in the background now and then. */
  #scheduleProbe(): void {
    const best = this.#policy.order[0]!;
    if (this.#policy.transport === best || this.#timers.has("probe")) return;
    this.#setTimer("probe", this.#o.probeIntervalMs, () => {
      if (this.#policy.transport === best || this.#state.status === "offline") {
        return;
      }
      const probe: Attempt = {
        gen: ++this.#gen,
        transport: best,
        opened: false,
        gotMessage: false,
      };
      this.#probe = probe;
      this.#probeTimer = this.#o.clock.setTimeout(
        () => this.#abandonProbe(),
        this.#o.connectTimeoutMs,
      );
      this.#withTicket(
        () => this.#probe === probe,
        (query) => this.#open(probe, query),
        () => this.#abandonProbe(),
      );
    });
  }

  /** The probe delivered: it replaces the fallback connection. */
  #adoptProbe(probe: Attempt): void {
    this.#clearProbeTimer();
    this.#probe = undefined;
    this.#dropAttempt();
    this.#policy = nextPolicy(
      this.#policy,
      { type: "probe_succeeded" },
      this.#policyOptions,
    );
    probe.opened = true;
    this.#attempt = probe;
    this.#armLiveness(probe);
  }

  /** The probe failed or timed out: stay, and try again later. */
  #abandonProbe(): void {
    this.#dropProbe();
    this.#scheduleProbe();
  }

  #armLiveness(attempt: Attempt): void {
    this.#setTimer("liveness", this.#o.livenessMs, () => {
      if (this.#attempt === attempt) {
        this.#end(
          attempt,
          attempt.gotMessage ? "closed" : "silent",
          "silent past the liveness window",
        );
      }
    });
  }

  #revalidate(): void {
    if (!this.#env?.isVisible() || !this.#attempt) return;
    // Timers are throttled in background tabs: do not trust a connection
    // that has been quiet for longer than a heartbeat.
    const last = this.#state.lastMessageAt ?? 0;
    if (this.#o.clock.now() - last > this.#o.livenessMs / 2) {
      this.#end(
        this.#attempt,
        this.#attempt.gotMessage ? "closed" : "silent",
        "revalidating after the tab became visible",
        0,
      );
    }
  }

  #goOffline(): void {
    this.#dropAttempt();
    this.#dropProbe();
    this.#clearTimer("retry");
    this.#clearTimer("probe");
    this.#set({ status: "offline" });
  }

  #goOnline(): void {
    if (this.#state.status !== "offline") return;
    this.#set({ status: "reconnecting" });
    this.#connect(); // at once: the network is back
  }

  #position(): { since?: number; epoch?: string } {
    const v = this.#state.view;
    return v ? { since: v.seq, epoch: v.epoch } : {};
  }

  #dropAttempt(): void {
    this.#attempt?.conn?.close();
    this.#attempt = undefined;
    this.#clearTimer("connect");
    this.#clearTimer("liveness");
  }

  #dropProbe(): void {
    this.#clearProbeTimer();
    this.#probe?.conn?.close();
    this.#probe = undefined;
  }

  #clearProbeTimer(): void {
    if (this.#probeTimer !== undefined) {
      this.#o.clock.clearTimeout(this.#probeTimer);
    }
    this.#probeTimer = undefined;
  }

  #setTimer(
    kind: "retry" | "connect" | "liveness" | "probe",
    ms: number,
    fn: () => void,
  ): void {
    this.#clearTimer(kind);
    this.#timers.set(
      kind,
      this.#o.clock.setTimeout(() => {
        this.#timers.delete(kind);
        fn();
      }, ms),
    );
  }

  #clearTimer(kind: "retry" | "connect" | "liveness" | "probe"): void {
    const id = this.#timers.get(kind);
    if (id !== undefined) this.#o.clock.clearTimeout(id);
    this.#timers.delete(kind);
  }

  #set(patch: Partial<ClientState>): void {
    this.#state = { ...this.#state, ...patch };
    this.#onChange?.(this.#state);
  }
}

/** The browser's window and document events, when running in a browser. */
function browserEnvironment(): ClientEnvironment | undefined {
  const g = globalThis as unknown as {
    addEventListener?: (t: string, f: () => void) => void;
    removeEventListener?: (t: string, f: () => void) => void;
    navigator?: { onLine?: boolean };
    document?: {
      visibilityState?: string;
      addEventListener(t: string, f: () => void): void;
      removeEventListener(t: string, f: () => void): void;
    };
  };
  if (!g.document || !g.addEventListener || !g.removeEventListener) {
    return undefined;
  }
  const doc = g.document;
  return {
    addEventListener: (type, fn) =>
      type === "visibilitychange"
        ? doc.addEventListener(type, fn)
        : g.addEventListener!(type, fn),
    removeEventListener: (type, fn) =>
      type === "visibilitychange"
        ? doc.removeEventListener(type, fn)
        : g.removeEventListener!(type, fn),
    isOnline: () => g.navigator?.onLine !== false,
    isVisible: () => doc.visibilityState !== "hidden",
  };
}
