/**
 * A worker's side of the supervisor's local bus (local_bus_server.ts): a
 * {@linkcode SharedLink} over one connection carrying JSON lines, so the
 * SharedBus and LeaderLease of a worker without Redis run unchanged.
 * Requests (`run` a script, read a `log`) are answered in order by `n`;
 * `subscribe` and `publish` are one-way; the bus pushes `message`s. The
 * connection is kept: lost, it is made again every `retryMs`, and every
 * channel is subscribed again before `onReady` listeners run (they
 * resync, as after a Redis outage). A worker whose supervisor stays gone
 * for `giveUpMs` is told through `onGone` (it should stop: nobody would
 * replace it).
 *
 * @module
 */
import type { Clock, TimerId } from "../time/mod.ts";
import { JOIN_SCRIPT, PUBLISH_SCRIPT } from "./bus_scripts.ts";
import { jsonLine, readLines } from "./json_lines.ts";
import { LEASE_SCRIPTS } from "./leader_lease.ts";
import type { LocalBusConnection } from "./local_bus_server.ts";
import type { SharedLink } from "./shared_link.ts";

/** The scripts the local bus runs, by their text. */
const SCRIPT_NAMES: ReadonlyMap<string, string> = new Map([
  [PUBLISH_SCRIPT, "publish"],
  [JOIN_SCRIPT, "join"],
  [LEASE_SCRIPTS.acquire, "acquire"],
  [LEASE_SCRIPTS.renew, "renew"],
  [LEASE_SCRIPTS.release, "release"],
]);

/** The local bus could not be reached, or refused a request. */
export class LocalBusError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "LocalBusError";
  }
}

/** Options for {@linkcode LocalLink}. */
export interface LocalLinkOptions {
  /** Opens a connection to the supervisor's bus. */
  connect: () => Promise<LocalBusConnection>;
  /**
   * The token this worker start was given, said first on each connection
   * (the bus admits only its workers).
   */
  token?: string;
  /** Time source for reconnects. */
  clock: Clock;
  /**
   * Prefix of every key, as with Redis.
   * @default {"pulse:"}
   */
  prefix?: string;
  /**
   * Wait between connection attempts, ms.
   * @default {250}
   */
  retryMs?: number;
  /**
   * How long the bus may stay unreachable before `onGone`, ms.
   * @default {5000}
   */
  giveUpMs?: number;
  /** Told when the bus becomes reachable or unreachable. */
  onUpChange?: (up: boolean) => void;
  /** Told once the bus has been gone for `giveUpMs`. */
  onGone?: () => void;
  /** Told about malformed lines and failed notices. */
  onError?: (error: unknown) => void;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

/** The link (see the module text). */
export class LocalLink implements SharedLink {
  #o: LocalLinkOptions;
  #connection?: LocalBusConnection;
  #writer?: WritableStreamDefaultWriter<Uint8Array<ArrayBuffer>>;
  #pending = new Map<number, Pending>();
  #next = 1;
  #channels = new Map<string, Set<(text: string) => void>>();
  #ready = new Set<() => void>();
  #closed = false;
  #timer?: TimerId;
  #downSince?: number;

  /** Creates the link; nothing connects before {@linkcode connect}. */
  constructor(options: LocalLinkOptions) {
    this.#o = options;
  }

  /** Whether the bus is connected. */
  get up(): boolean {
    return this.#connection !== undefined;
  }

  /** `parts` joined with `:` after the prefix. */
  key(...parts: string[]): string {
    return (this.#o.prefix ?? "pulse:") + parts.join(":");
  }

  /** Connects; resolves once connected or once the first attempt failed. */
  async connect(): Promise<void> {
    this.#downSince = this.#o.clock.monotonic();
    await this.#attempt();
  }

  /** Calls `listener` each time the bus is reached (again). */
  onReady(listener: () => void): () => void {
    this.#ready.add(listener);
    return () => {
      this.#ready.delete(listener);
    };
  }

  /** Runs one of the cluster's scripts on the bus. */
  run(script: string, keys: string[], args: string[]): Promise<unknown> {
    const name = SCRIPT_NAMES.get(script);
    if (!name) {
      return Promise.reject(
        new LocalBusError(
          "the local bus runs only the bus's and the lease's own scripts",
        ),
      );
    }
    return this.#request({ op: "run", name, keys, args });
  }

  /** The log's texts above seq `after`. */
  async readLog(key: string, after: number): Promise<string[]> {
    return await this.#request({ op: "log", key, after }) as string[];
  }

  /** Listens to a channel, across reconnections. */
  listen(channel: string, listener: (text: string) => void): () => void {
    let set = this.#channels.get(channel);
    if (!set) {
      this.#channels.set(channel, set = new Set());
      this.#send({ op: "subscribe", channel });
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  /** Tells every worker, this one included; lost while the bus is away. */
  notify(kind: string, payload: string): Promise<void> {
    this.#send({
      op: "publish",
      channel: this.key("notice"),
      text: JSON.stringify({ kind, payload }),
    });
    return Promise.resolve();
  }

  /** Receives every worker's notices. */
  onNotice(listener: (kind: string, payload: string) => void): () => void {
    return this.listen(this.key("notice"), (text) => {
      try {
        const { kind, payload } = JSON.parse(text);
        if (typeof kind === "string" && typeof payload === "string") {
          listener(kind, payload);
        }
      } catch (error) {
        this.#o.onError?.(error);
      }
    });
  }

  /** Closes the connection and stops reconnecting. */
  close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#lost(new LocalBusError("the local link was closed"));
    return Promise.resolve();
  }

  async #attempt(): Promise<void> {
    this.#timer = undefined;
    if (this.#closed) return;
    let connection: LocalBusConnection;
    try {
      connection = await this.#o.connect();
    } catch {
      this.#retry();
      return;
    }
    if (this.#closed) {
      connection.close();
      return;
    }
    this.#connection = connection;
    this.#writer = connection.writable.getWriter();
    this.#downSince = undefined;
    if (this.#o.token !== undefined) {
      this.#send({ op: "hello", token: this.#o.token });
    }
    for (const channel of this.#channels.keys()) {
      this.#send({ op: "subscribe", channel });
    }
    this.#o.onUpChange?.(true);
    for (const listener of this.#ready) listener();
    void this.#read(connection);
  }

  #retry(): void {
    if (this.#closed || this.#timer !== undefined) return;
    const { clock, giveUpMs = 5_000 } = this.#o;
    this.#downSince ??= clock.monotonic();
    if (clock.monotonic() - this.#downSince >= giveUpMs) {
      this.#o.onGone?.();
      return;
    }
    this.#timer = clock.setTimeout(
      () => void this.#attempt(),
      this.#o.retryMs ?? 250,
    );
  }

  async #read(connection: LocalBusConnection): Promise<void> {
    try {
      await readLines(connection.readable, (line) => this.#receive(line));
    } catch {
      // The connection broke: handled below like an end.
    }
    if (this.#connection === connection) {
      this.#lost(new LocalBusError("the local bus went away"));
      this.#retry();
    }
  }

  #receive(line: string): void {
    let message: {
      re?: number;
      ok?: unknown;
      error?: string;
      ev?: string;
      channel?: string;
      text?: string;
    };
    try {
      message = JSON.parse(line);
    } catch (error) {
      this.#o.onError?.(error);
      return;
    }
    if (message.ev === "message") {
      for (
        const listener of this.#channels.get(String(message.channel)) ?? []
      ) {
        listener(String(message.text));
      }
      return;
    }
    const pending = this.#pending.get(Number(message.re));
    if (!pending) return;
    this.#pending.delete(Number(message.re));
    if (message.error !== undefined) {
      pending.reject(
        new LocalBusError(`the local bus refused: ${message.error}`),
      );
    } else pending.resolve(message.ok);
  }

  #request(body: Record<string, unknown>): Promise<unknown> {
    if (!this.#writer) {
      return Promise.reject(new LocalBusError("the local bus is unreachable"));
    }
    const n = this.#next++;
    const answer = new Promise<unknown>((resolve, reject) =>
      this.#pending.set(n, { resolve, reject })
    );
    this.#send({ ...body, n });
    return answer;
  }

  #send(body: Record<string, unknown>): void {
    this.#writer?.write(jsonLine(body)).catch(
      () => {
        // The read side notices the broken connection.
      },
    );
  }

  #lost(reason: LocalBusError): void {
    const connection = this.#connection;
    if (!connection) return;
    this.#connection = undefined;
    this.#writer = undefined;
    try {
      connection.close();
    } catch {
      // Already closed.
    }
    for (const pending of this.#pending.values()) pending.reject(reason);
    this.#pending.clear();
    if (!this.#closed) this.#o.onUpChange?.(false);
  }
}
