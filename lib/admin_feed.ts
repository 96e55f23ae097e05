/**
 * The `admin` topic: the status picture published every second for the
 * operator console (`/admin`), the parts the console shows.
 *
 * @module
 */
import type { JsonObject } from "./protocol/mod.ts";
import type { StatusBoard } from "./status.ts";
import type { Clock, TimerId } from "./time/mod.ts";

/** Options for {@linkcode feedAdminTopic}. */
export interface AdminFeedOptions {
  /** Time source for the interval. */
  clock: Clock;
  /**
   * How often the picture is published, ms.
   * @default {1000}
   */
  everyMs?: number;
}

/**
 * Publishes the status picture on a topic (the operator page's `admin`)
 * now and then on an interval; the hub publishes only what changed.
 *
 * @param status The picture's source.
 * @param publish Publishes a state on the topic.
 * @param options Clock and interval.
 * @returns A handle that stops the feed when disposed.
 */
export function feedAdminTopic(
  status: StatusBoard,
  publish: (state: JsonObject) => void,
  options: AdminFeedOptions,
): Disposable {
  const { clock, everyMs = 1_000 } = options;
  let timer: TimerId | undefined;
  const tick = function publishStatus() {
    const {
      connections,
      topics,
      stream,
      sources,
      cache,
      redis,
      leader,
      alerts,
      clients,
    } = status.picture();
    publish({
      connections,
      topics,
      stream,
      sources,
      cache,
      redis,
      leader,
      alerts,
      clients,
    });
    timer = clock.setTimeout(publishStatus, everyMs);
  };
  tick();
  return {
    [Symbol.dispose]() {
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
    },
  };
}
