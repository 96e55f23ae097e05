/**
 * A paged source's sync in Redis, for a cluster: the progress record and
 * the movements counted, saved page by page in one script, so whichever
 * instance leads next goes on with the job from the page it reached.
 *
 * @module
 */
import type { RedisConnection } from "../redis/mod.ts";

// KEYS: state, moves; ARGV: state json, then ref, "at,amount[,data]" pairs
const SAVE_PAGE = `
for i = 2, #ARGV, 2 do
  redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i + 1])
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
`;

/** A movement as saved (the shape `lib/sources` declares). */
interface Movement {
  ref: string;
  at: number;
  amount: number;
  data?: string;
}

/** Options for {@linkcode RedisSync}. */
export interface RedisSyncOptions {
  /** The process's Redis connection (its key prefix). */
  redis: RedisConnection;
}

/**
 * The Redis sync store. Commands fail at once while Redis is down (the
 * read fails and is retried: only a leader, which needs Redis, syncs).
 */
export class RedisSync {
  #redis: RedisConnection;

  /** Creates the store. */
  constructor(options: RedisSyncOptions) {
    this.#redis = options.redis;
  }

  #keys(source: string) {
    return {
      state: this.#redis.key("sync", source, "state"),
      moves: this.#redis.key("sync", source, "moves"),
    };
  }

  /** The saved progress record alone. */
  async state(source: string): Promise<unknown> {
    const text = await this.#redis.command(
      "reading a sync",
      (c) => c.get(this.#keys(source).state),
    );
    return typeof text === "string" ? JSON.parse(text) : undefined;
  }

  /** The saved progress and every movement. */
  async load(
    source: string,
  ): Promise<{ state: unknown; movements: Movement[] } | undefined> {
    const keys = this.#keys(source);
    const [text, moves] = await this.#redis.command(
      "reading a sync",
      (c) => Promise.all([c.get(keys.state), c.hGetAll(keys.moves)]),
    );
    if (typeof text !== "string") return undefined;
    const movements = Object.entries(moves as Record<string, string>).map((
      [ref, value],
    ) => {
      // The data (the source's own text) is everything after the second comma.
      const first = value.indexOf(",");
      const second = value.indexOf(",", first + 1);
      const at = Number(value.slice(0, first));
      const amount = Number(
        value.slice(first + 1, second < 0 ? undefined : second),
      );
      return second < 0
        ? { ref, at, amount }
        : { ref, at, amount, data: value.slice(second + 1) };
    }).sort((a, b) =>
      a.at - b.at || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0)
    );
    return { state: JSON.parse(text), movements };
  }

  /** Saves a page and the progress, in one script. */
  async savePage(
    source: string,
    state: unknown,
    movements: Movement[],
  ): Promise<void> {
    const keys = this.#keys(source);
    await this.#redis.run(
      SAVE_PAGE,
      [keys.state, keys.moves],
      [
        JSON.stringify(state),
        ...movements.flatMap((m) => [
          m.ref,
          m.data === undefined
            ? `${m.at},${m.amount}`
            : `${m.at},${m.amount},${m.data}`,
        ]),
      ],
    );
  }

  /** Forgets a source's progress. */
  async clear(source: string): Promise<void> {
    const keys = this.#keys(source);
    await this.#redis.command(
      "clearing a sync",
      (c) => c.del([keys.state, keys.moves]),
    );
  }
}
