/**
 * Kalshi's pushes: the authenticated WebSocket API (the handshake signed
 * like REST over `timestamp + "GET" + "/trade-api/ws/v2"`, signed afresh
 * on every connect), subscribed to the account's `fill` and
 * `market_positions` channels. A fill or a position change makes the
 * source read at once, so the trading figure moves within a second; REST
 * stays the book of record. A dropped socket reconnects with capped,
 * jittered backoff, and every reconnect (or a gap in a subscription's
 * `seq`) reconciles by a REST read, since pushes may have been missed.
 *
 * @module
 */
import { backoffDelay } from "../../resilience/mod.ts";
import type { Clock, TimerId } from "../../time/mod.ts";
import { signKalshiRequest } from "./kalshi_signing.ts";
import type { LiveFeed } from "../source.ts";

/** Options for {@linkcode KalshiLive}. */
export interface KalshiLiveOptions {
  /** `wss://.../trade-api/ws/v2`. */
  url: string;
  /** The API key id. */
  keyId: string;
  /** The private key, for the handshake's signature. */
  key: CryptoKey;
  /** Time source for the signature and the backoff. */
  clock: Clock;
  /** Uniform random numbers in [0, 1), for the backoff's jitter. */
  random: () => number;
  /**
   * Longest wait between reconnects, ms.
   * @default {30_000}
   */
  maxBackoffMs?: number;
}

const CHANNELS = ["fill", "market_positions"];

/** One Kalshi account's push feed. */
export class KalshiLive implements LiveFeed {
  #o: KalshiLiveOptions;
  #socket?: WebSocket;
  #timer?: TimerId;
  #failures = 0;
  #connected = false;
  #seq = new Map<number, number>();
  #onChange?: () => void;
  #stopped = true;

  /** Creates the feed, stopped. */
  constructor(options: KalshiLiveOptions) {
    this.#o = options;
  }

  /** Whether the socket is open and subscribed. */
  get connected(): boolean {
    return this.#connected;
  }

  /**
   * Connects and keeps connecting until stopped; `onChange` is told of
   * every push that moves money and of every reconnect (to reconcile).
   */
  start(onChange: () => void): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#onChange = onChange;
    void this.#connect();
  }

  /** Closes the socket and stops reconnecting. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#connected = false;
    try {
      this.#socket?.close(1000, "stopped");
    } catch {
      // Already closing.
    }
    this.#socket = undefined;
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const o = this.#o;
    let socket: WebSocket;
    try {
      const ts = o.clock.now();
      const path = new URL(o.url).pathname;
      const signature = await signKalshiRequest(o.key, ts, "GET", path);
      if (this.#stopped) return;
      // Deno's WebSocket takes handshake headers, as Kalshi requires.
      socket = new (WebSocket as unknown as new (
        url: string,
        options: { headers: Record<string, string> },
      ) => WebSocket)(o.url, {
        headers: {
          "KALSHI-ACCESS-KEY": o.keyId,
          "KALSHI-ACCESS-TIMESTAMP": String(ts),
          "KALSHI-ACCESS-SIGNATURE": signature,
        },
      });
    } catch {
      this.#retry();
      return;
    }
    this.#socket = socket;
    // After a failure this is a reconnect: once subscribed, reconcile.
    const reconnect = this.#failures > 0;
    socket.onopen = () => {
      socket.send(JSON.stringify({
        id: 1,
        cmd: "subscribe",
        params: { channels: CHANNELS },
      }));
    };
    socket.onmessage = (event) => {
      let m: { type?: unknown; sid?: unknown; seq?: unknown };
      try {
        m = JSON.parse(String(event.data));
      } catch {
        return;
      }
      if (m.type === "subscribed") {
        this.#connected = true;
        this.#failures = 0;
        // Pushes may have been missed while it was away: read now.
        if (reconnect) this.#onChange?.();
        return;
      }
      if (typeof m.sid === "number" && typeof m.seq === "number") {
        const last = this.#seq.get(m.sid);
        this.#seq.set(m.sid, m.seq);
        // A gap: something was lost, and REST knows what.
        if (last !== undefined && m.seq !== last + 1) this.#onChange?.();
      }
      if (m.type === "fill" || m.type === "market_position") {
        this.#onChange?.();
      }
    };
    socket.onerror = () => {};
    socket.onclose = () => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      this.#connected = false;
      this.#seq.clear();
      this.#retry();
    };
  }

  #retry(): void {
    if (this.#stopped) return;
    const wait = backoffDelay(this.#failures++, this.#o.random, {
      minMs: 250,
      maxMs: this.#o.maxBackoffMs ?? 30_000,
    });
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#connect();
    }, wait);
  }
}
