/**
 * The `PULSE_WORKERS` supervisor's local bus: for workers without Redis,
 * the one place their shared log, leader lease and notices live. It runs
 * the cluster's own scripts (the bus's join and publish, the lease's
 * acquire, renew and release) as plain functions with the same keys,
 * arguments and answers as their Lua in Redis, one at a time, so every
 * worker runs the same SharedBus and LeaderLease code as instances on
 * Redis do. A worker that goes away gives up its lease at once, so
 * another leads without waiting for the lease to run out. Connections
 * are the platform's (a Unix socket), passed to {@linkcode serve}; each
 * carries JSON lines (see local_link.ts). With `admits`, a connection's
 * first line must be `{"op":"hello","token":...}` with a token the
 * supervisor gave one of its workers, or it is cut off unheard: another
 * process of the same user cannot publish, take the lease or listen.
 *
 * @module
 */
import type { Clock } from "../time/mod.ts";
import { jsonLine, readLines } from "./json_lines.ts";

/** A byte stream both ways: a Unix socket connection, say. */
export interface LocalBusConnection {
  readonly readable: ReadableStream<Uint8Array<ArrayBuffer>>;
  readonly writable: WritableStream<Uint8Array<ArrayBuffer>>;
  close(): void;
}

/** Options for {@linkcode LocalBusServer}. */
export interface LocalBusServerOptions {
  /** Time source for lease expiry. */
  clock: Clock;
  /**
   * Lines queued for one worker before it is cut off (it reconnects and
   * catches up from the log).
   * @default {10000}
   */
  maxQueuedLines?: number;
  /** Told about malformed lines and dropped workers. */
  onError?: (error: unknown) => void;
  /**
   * Whether a hello's token is a worker's; absent, every connection is
   * taken as one (tests, a bus nobody else can reach).
   */
  admits?: (token: string) => boolean;
}

/** A connection that did not say a worker's token first. */
export class LocalBusRefusedError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "LocalBusRefusedError";
  }
}

type Value = { value: string; expiresAt?: number };
type Entry = { seq: number; text: string };

/** One connected worker. */
class Peer {
  readonly writer: WritableStreamDefaultWriter<Uint8Array<ArrayBuffer>>;
  readonly channels = new Set<string>();
  /** Lease keys and the values this worker won them with. */
  readonly leases = new Map<string, string>();
  /** Whether it said a worker's token (or none is asked). */
  admitted = false;
  constructor(readonly connection: LocalBusConnection) {
    this.writer = connection.writable.getWriter();
  }
}

/** The supervisor's bus (see the module text). */
export class LocalBusServer {
  #o: Required<Omit<LocalBusServerOptions, "onError" | "admits">> & {
    onError?: (error: unknown) => void;
    admits?: (token: string) => boolean;
  };
  #values = new Map<string, Value>();
  #logs = new Map<string, Entry[]>();
  #channels = new Map<string, Set<Peer>>();
  #peers = new Set<Peer>();

  /** Creates an empty bus. */
  constructor(options: LocalBusServerOptions) {
    this.#o = { maxQueuedLines: 10_000, ...options };
  }

  /** Workers connected now. */
  get connections(): number {
    return this.#peers.size;
  }

  /**
   * Serves one worker's connection until it ends.
   *
   * @param connection The connection.
   */
  async serve(connection: LocalBusConnection): Promise<void> {
    const peer = new Peer(connection);
    peer.admitted = this.#o.admits === undefined;
    this.#peers.add(peer);
    try {
      await readLines(connection.readable, (line) => this.#handle(peer, line));
    } catch (error) {
      this.#o.onError?.(error);
    } finally {
      this.#drop(peer);
    }
  }

  /** Ends every connection. */
  close(): void {
    for (const peer of [...this.#peers]) this.#drop(peer);
  }

  #handle(peer: Peer, line: string): void {
    // Lines that arrived with a refused one are not heard either.
    if (!this.#peers.has(peer)) return;
    let request: {
      n?: number;
      op?: string;
      name?: string;
      keys?: string[];
      args?: string[];
      channel?: string;
      text?: string;
      key?: string;
      after?: number;
    };
    try {
      request = JSON.parse(line);
    } catch (error) {
      this.#o.onError?.(error);
      return;
    }
    const { n, op } = request;
    if (!peer.admitted) {
      const token = (request as { token?: unknown }).token;
      if (
        op === "hello" && typeof token === "string" && this.#o.admits!(token)
      ) {
        peer.admitted = true;
        return;
      }
      this.#o.onError?.(
        new LocalBusRefusedError(
          "refused a local bus connection that did not open with a worker's token (another process of this user?)",
        ),
      );
      this.#drop(peer);
      return;
    }
    try {
      if (op === "hello") return;
      if (op === "subscribe") {
        const channel = String(request.channel);
        peer.channels.add(channel);
        let set = this.#channels.get(channel);
        if (!set) this.#channels.set(channel, set = new Set());
        set.add(peer);
      } else if (op === "publish") {
        this.#publish(String(request.channel), String(request.text));
      } else if (op === "run") {
        const result = this.#run(
          peer,
          String(request.name),
          (request.keys ?? []).map(String),
          (request.args ?? []).map(String),
        );
        this.#send(peer, { re: n, ok: result });
      } else if (op === "log") {
        const after = Number(request.after ?? 0);
        const texts = (this.#logs.get(String(request.key)) ?? [])
          .filter((e) => e.seq > after)
          .map((e) => e.text);
        this.#send(peer, { re: n, ok: texts });
      } else {
        throw new TypeError(
          `unknown local bus operation ${
            JSON.stringify(op)
          }; expected subscribe, publish, run or log`,
        );
      }
    } catch (error) {
      if (n !== undefined) {
        this.#send(peer, {
          re: n,
          error: error instanceof Error ? error.message : String(error),
        });
      } else this.#o.onError?.(error);
    }
  }

  /** The scripts, as Redis would run them (see bus_scripts.ts, leader_lease.ts). */
  #run(peer: Peer, name: string, keys: string[], args: string[]): unknown {
    switch (name) {
      case "publish": {
        const [epochKey, seqKey, stateKey, logKey, leaderKey] = keys;
        const [epoch, base, fence, patch, state, ts, maxlen, topic, channel] =
          args;
        const current = this.#get(epochKey!);
        if (current !== epoch) return ["epoch", current ?? ""];
        if (this.#get(leaderKey!) !== fence) return ["fenced", ""];
        const seq = Number(this.#get(seqKey!) ?? "1");
        if (seq !== Number(base)) return ["conflict", String(seq)];
        const next = seq + 1;
        const text = `{"type":"delta","topic":${JSON.stringify(topic)},` +
          `"epoch":${JSON.stringify(epoch)},"seq":${next},"base":${seq},` +
          `"ts":${JSON.stringify(ts)},"patch":${patch}}`;
        this.#set(seqKey!, String(next));
        this.#set(stateKey!, state!);
        const log = this.#logs.get(logKey!) ?? [];
        this.#logs.set(logKey!, log);
        log.push({ seq: next, text });
        const keep = Math.max(1, Number(maxlen));
        if (log.length > keep) log.splice(0, log.length - keep);
        this.#publish(channel!, text);
        return ["ok", text];
      }
      case "join": {
        const [epochKey, ...topicKeys] = keys;
        const [newEpoch, ...states] = args;
        let epoch = this.#get(epochKey!);
        const topics = topicKeys.length / 3;
        if (!epoch) {
          epoch = newEpoch!;
          this.#set(epochKey!, epoch);
          for (let i = 0; i < topics; i++) {
            this.#set(topicKeys[i * 3]!, "1");
            this.#set(topicKeys[i * 3 + 1]!, states[i]!);
            this.#logs.delete(topicKeys[i * 3 + 2]!);
          }
        }
        const out = [epoch];
        for (let i = 0; i < topics; i++) {
          out.push(
            this.#get(topicKeys[i * 3]!) ?? "1",
            this.#get(topicKeys[i * 3 + 1]!) ?? "{}",
          );
        }
        return out;
      }
      case "acquire": {
        const [leaseKey, tokenKey] = keys;
        const [instance, ms] = args;
        const holder = this.#get(leaseKey!);
        if (holder) return ["held", holder];
        const token = Number(this.#get(tokenKey!) ?? "0") + 1;
        this.#set(tokenKey!, String(token));
        const value = `${instance}:${token}`;
        this.#set(leaseKey!, value, Number(ms));
        peer.leases.set(leaseKey!, value);
        return ["won", value];
      }
      case "renew": {
        const [leaseKey] = keys;
        const [value, ms] = args;
        if (this.#get(leaseKey!) !== value) return 0;
        this.#set(leaseKey!, value!, Number(ms));
        return 1;
      }
      case "release": {
        const [leaseKey] = keys;
        const [value] = args;
        if (this.#get(leaseKey!) !== value) return 0;
        this.#values.delete(leaseKey!);
        peer.leases.delete(leaseKey!);
        return 1;
      }
      default:
        throw new TypeError(
          `unknown script ${
            JSON.stringify(name)
          }; the local bus runs publish, join, acquire, renew and release`,
        );
    }
  }

  #get(key: string): string | undefined {
    const found = this.#values.get(key);
    if (!found) return undefined;
    if (
      found.expiresAt !== undefined &&
      found.expiresAt <= this.#o.clock.monotonic()
    ) {
      this.#values.delete(key);
      return undefined;
    }
    return found.value;
  }

  #set(key: string, value: string, ttlMs?: number): void {
    this.#values.set(key, {
      value,
      ...(ttlMs !== undefined
        ? { expiresAt: this.#o.clock.monotonic() + ttlMs }
        : {}),
    });
  }

  #publish(channel: string, text: string): void {
    for (const peer of this.#channels.get(channel) ?? []) {
      this.#send(peer, { ev: "message", channel, text });
    }
  }

  #send(peer: Peer, message: unknown): void {
    if (!this.#peers.has(peer)) return;
    // A worker that stopped reading is cut off: it reconnects and
    // catches up from the log instead of growing this queue.
    if ((peer.writer.desiredSize ?? 0) < -this.#o.maxQueuedLines) {
      this.#o.onError?.(
        new Error("a worker fell too far behind the local bus; cut off"),
      );
      this.#drop(peer);
      return;
    }
    peer.writer.write(jsonLine(message)).catch(
      () => this.#drop(peer),
    );
  }

  #drop(peer: Peer): void {
    if (!this.#peers.delete(peer)) return;
    for (const channel of peer.channels) {
      this.#channels.get(channel)?.delete(peer);
    }
    // Its lease goes with it: another worker leads at its next campaign.
    for (const [key, value] of peer.leases) {
      if (this.#get(key) === value) this.#values.delete(key);
    }
    try {
      peer.connection.close();
    } catch {
      // Already closed.
    }
  }
}
