import assert from "node:assert/strict";
import { RedisConnection, RedisDownError } from "@/lib/redis/mod.ts";
import { systemClock } from "@/lib/time/mod.ts";
import { startRedis } from "../_helpers/redis_server.ts";

async function eventually(check: () => boolean, what: string, ms = 10_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

Deno.test("RedisConnection: a notice reaches every instance, the sender included", async () => {
  await using redis = await startRedis();
  await using a = new RedisConnection({ url: redis.url, clock: systemClock });
  await using b = new RedisConnection({ url: redis.url, clock: systemClock });
  const heard: string[] = [];
  a.onNotice((kind, payload) => heard.push(`a ${kind} ${payload}`));
  b.onNotice((kind, payload) => heard.push(`b ${kind} ${payload}`));
  await a.connect();
  await b.connect();
  await eventually(() => a.up && b.up, "both up");
  // Subscriptions are made on the subscriber's ready event: give them a turn.
  await a.notify("probe", "x");
  await eventually(() => heard.length >= 2, "the probe");
  heard.length = 0;
  await a.notify("ingest", "shop");
  await eventually(() => heard.length === 2, "two notices");
  assert.deepEqual(heard.sort(), ["a ingest shop", "b ingest shop"]);
});

Deno.test("RedisConnection: with Redis down at start, commands fail at once; once it is up, channels are subscribed and ready listeners run", async () => {
  const redis = await startRedis();
  await redis.stop();
  const errors: unknown[] = [];
  const ups: boolean[] = [];
  await using a = new RedisConnection({
    url: redis.url,
    clock: systemClock,
    onError: (error) => errors.push(error),
    onUpChange: (up) => ups.push(up),
  });
  let readies = 0;
  a.onReady(() => readies++);
  const heard: string[] = [];
  a.listen(a.key("chan"), (text) => heard.push(text));
  await a.connect();
  assert.equal(a.up, false);
  await assert.rejects(
    a.command("Redis GET", (c) => c.get("k")),
    RedisDownError,
  );
  assert.ok(errors.length > 0, "the failed connection was reported");

  await using again = await startRedis(redis.port);
  await eventually(() => a.up, "the connection to come up", 15_000);
  assert.equal(readies, 1);
  assert.deepEqual(ups, [true]);
  await using b = new RedisConnection({ url: again.url, clock: systemClock });
  await b.connect();
  await eventually(() => {
    void b.publish(a.key("chan"), "hello");
    return heard.length > 0;
  }, "a message on the channel listened to before Redis was up");
  assert.equal(heard[0], "hello");
});
