/**
 * StreamClient: keeps one topic's state current over the server's
 * WebSocket, resuming from its last `(epoch, seq)` on every reconnect and
 * repairing gaps. Runs in browsers and in Deno (the WebSocket constructor,
 * clock and randomness are injected).
 *
 * The SSE and long-poll fallbacks join this class through the same events
 * in the [client-ui] work; the resume logic here is transport-neutral.
 *
 * @module
 */
import { type Clock, systemClock, type TimerId } from "../time/mod.ts";
import { systemRandom } from "../time/mod.ts";
import { parseServerEnvelope, type ServerEnvelope } from "../stream/mod.ts";
import { backoffDelay, type BackoffOptions } from "../resilience/mod.ts";
import { applyEnvelope, type TopicView } from "./topic_view.ts";

/** Where the connection stands. */
export type ClientStatus = "connecting" | "live" | "reconnecting" | "closed";

/** What the client exposes to views. */
export interface ClientState {
  /** The connection's status. */
  readonly status: ClientStatus;
  /** The transport in use. */
  readonly transport: "ws";
  /** The topic's state, once known. */
  readonly view?: TopicView;
  /** Message `ts` to receipt for the last state message, ms. */
  readonly latencyMs?: number;
  /** When the last message arrived, epoch ms. */
  readonly lastMessageAt?: number;
  /** Reconnects since start. */
  readonly reconnects: number;
}

/** The parts of a WebSocket the client uses. */
export interface ClientSocket {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: Event) => unknown) | null;
  onmessage: ((ev: MessageEvent) => unknown) | null;
  onclose: ((ev: CloseEvent) => unknown) | null;
  onerror: ((ev: Event) => unknown) | null;
}

/** Options for {@linkcode StreamClient}. */
export interface StreamClientOptions {
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
   * Opens a WebSocket.
   * @default {(url) => new WebSocket(url)}
   */
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
   * How long an attempt may take to open, ms.
   * @default {5000}
   */
  connectTimeoutMs?: number;
  /**
   * Silence after which a connection is declared dead, ms (about two
   * server heartbeat intervals).
   * @default {35000}
   */
  livenessMs?: number;
  /** Called after every change of {@linkcode ClientState}. */
  onChange?: (state: ClientState) => void;
  /** Called for `error` envelopes and unparsable messages; never throws. */
  onError?: (error: { code: string; message: string }) => void;
}

/**
 * Follows one topic over WebSocket with resume and gap repair.
 *
 * @example Connect and close
 * ```ts ignore
 * const client = new StreamClient({ baseUrl: "http://127.0.0.1:8000" });
 * client.start();
 * client.close();
 * ```
 */
export class StreamClient {
  #opts: Required<
    Omit<StreamClientOptions, "initial" | "onChange" | "onError" | "backoff">
  >;
  #backoff: BackoffOptions;
  #onChange?: (state: ClientState) => void;
  #onError?: (error: { code: string; message: string }) => void;
  #state: ClientState;
  #socket?: ClientSocket;
  #generation = 0;
  #failures = 0;
  #timer?: TimerId;
  #liveness?: TimerId;

  /** Creates a stopped client; call {@linkcode StreamClient.start}. */
  constructor(options: StreamClientOptions) {
    const {
      baseUrl,
      topic = "pnl",
      initial,
      createWebSocket = (url: string) =>
        new WebSocket(url) as unknown as ClientSocket,
      clock = systemClock,
      random = systemRandom,
      backoff = {},
      connectTimeoutMs = 5_000,
      livenessMs = 35_000,
      onChange,
      onError,
    } = options;
    this.#opts = {
      baseUrl,
      topic,
      createWebSocket,
      clock,
      random,
      connectTimeoutMs,
      livenessMs,
    };
    this.#backoff = backoff;
    this.#onChange = onChange;
    this.#onError = onError;
    this.#state = {
      status: "connecting",
      transport: "ws",
      view: initial,
      reconnects: 0,
    };
  }

  /** The current state. */
  get state(): ClientState {
    return this.#state;
  }

  /** Opens the first connection. */
  start(): void {
    if (this.#state.status === "closed" || this.#socket) return;
    this.#connect();
  }

  /** Closes for good; no reconnect follows. */
  close(): void {
    this.#generation++;
    this.#clearTimers();
    const socket = this.#socket;
    this.#socket = undefined;
    this.#detach(socket);
    try {
      socket?.close(1000, "client closed");
    } catch {
      // Closing a socket that never opened can throw; it is gone either way.
    }
    this.#set({ status: "closed" });
  }

  /** Disposes the client. */
  [Symbol.dispose](): void {
    this.close();
  }

  #connect(): void {
    const generation = ++this.#generation;
    const { clock, topic } = this.#opts;
    const url = new URL("/api/ws", this.#opts.baseUrl);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    let socket: ClientSocket;
    try {
      socket = this.#opts.createWebSocket(url.href);
    } catch {
      this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;
    const stale = () => generation !== this.#generation;
    this.#timer = clock.setTimeout(() => {
      if (!stale()) this.#drop();
    }, this.#opts.connectTimeoutMs);
    socket.onopen = () => {
      if (stale()) return;
      this.#clearTimers();
      this.#armLiveness();
      this.#subscribe(topic);
    };
    socket.onmessage = (event: MessageEvent) => {
      if (stale()) return;
      this.#armLiveness();
      this.#handle(String(event.data));
    };
    socket.onclose = () => {
      if (!stale()) this.#drop();
    };
    socket.onerror = () => {
      // A close event follows; the reconnect happens there.
    };
  }

  #subscribe(topic: string): void {
    const view = this.#state.view;
    this.#socket?.send(JSON.stringify({
      type: "subscribe",
      topic,
      ...(view ? { since: view.seq, epoch: view.epoch } : {}),
    }));
  }

  #handle(text: string): void {
    let envelope: ServerEnvelope;
    try {
      envelope = parseServerEnvelope(text);
    } catch (error) {
      this.#onError?.({
        code: "bad_message",
        message: (error as Error).message,
      });
      return;
    }
    const now = this.#opts.clock.now();
    if (envelope.type === "error") {
      this.#onError?.({ code: envelope.code, message: envelope.message });
      return;
    }
    if (envelope.type !== "snapshot" && envelope.type !== "delta") {
      this.#set({ lastMessageAt: now });
      return;
    }
    if (envelope.topic !== this.#opts.topic) return;
    const { view, outcome } = applyEnvelope(this.#state.view, envelope);
    if (outcome === "gap") {
      this.#subscribe(this.#opts.topic);
      return;
    }
    this.#failures = 0;
    const sent = Date.parse(envelope.ts);
    this.#set({
      status: "live",
      view,
      lastMessageAt: now,
      latencyMs: Number.isFinite(sent) ? Math.max(0, now - sent) : undefined,
    });
  }

  #armLiveness(): void {
    const { clock, livenessMs } = this.#opts;
    if (this.#liveness !== undefined) clock.clearTimeout(this.#liveness);
    const generation = this.#generation;
    this.#liveness = clock.setTimeout(() => {
      if (generation === this.#generation) this.#drop();
    }, livenessMs);
  }

  /** Abandons the current socket and schedules the next attempt. */
  #drop(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    this.#generation++;
    this.#clearTimers();
    this.#detach(socket);
    try {
      socket?.close(4000, "client reconnecting");
    } catch {
      // Already closed.
    }
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    const delay = backoffDelay(
      this.#failures++,
      this.#opts.random,
      this.#backoff,
    );
    this.#set({
      status: "reconnecting",
      reconnects: this.#state.reconnects + 1,
    });
    this.#timer = this.#opts.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#connect();
    }, delay);
  }

  #detach(socket: ClientSocket | undefined): void {
    if (!socket) return;
    socket.onopen =
      socket.onmessage =
      socket.onclose =
      socket.onerror =
        null;
  }

  #clearTimers(): void {
    const { clock } = this.#opts;
    if (this.#timer !== undefined) clock.clearTimeout(this.#timer);
    if (this.#liveness !== undefined) clock.clearTimeout(this.#liveness);
    this.#timer = this.#liveness = undefined;
  }

  #set(patch: Partial<ClientState>): void {
    this.#state = { ...this.#state, ...patch };
    this.#onChange?.(this.#state);
  }
}
