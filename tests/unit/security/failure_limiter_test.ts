import assert from "node:assert/strict";
import { FailureLimiter } from "@/lib/security/mod.ts";
import { FakeClock } from "@/lib/time/mod.ts";

Deno.test("FailureLimiter locks a key out after maxFailures within the window, counting from its first failure", async () => {
  const clock = new FakeClock({ start: 0 });
  const limiter = new FailureLimiter({ clock, maxFailures: 3, windowMs: 1000 });
  limiter.fail("a");
  await clock.advance(400);
  limiter.fail("a");
  assert.equal(limiter.retryAfterMs("a"), 0, "two of three: may still try");
  limiter.fail("a");
  assert.equal(
    limiter.retryAfterMs("a"),
    600,
    "until 1,000 ms after the first",
  );
  assert.equal(limiter.retryAfterMs("b"), 0, "others are not affected");
  await clock.advance(600);
  assert.equal(limiter.retryAfterMs("a"), 0);
  limiter.fail("a");
  assert.equal(limiter.retryAfterMs("a"), 0, "a new window starts from zero");
});

Deno.test("FailureLimiter forgets the oldest client past maxKeys, so memory stays bounded", () => {
  const clock = new FakeClock({ start: 0 });
  const limiter = new FailureLimiter({ clock, maxFailures: 1, maxKeys: 2 });
  limiter.fail("old");
  limiter.fail("mid");
  limiter.fail("new");
  assert.equal(limiter.retryAfterMs("old"), 0, "evicted");
  assert.ok(limiter.retryAfterMs("mid") > 0);
  assert.ok(limiter.retryAfterMs("new") > 0);
});

Deno.test("FailureLimiter refuses settings that are not positive integers, naming them", () => {
  const clock = new FakeClock();
  assert.throws(
    () => new FailureLimiter({ clock, maxFailures: 0 }),
    /'maxFailures' must be a positive integer, received 0/,
  );
  assert.throws(
    () => new FailureLimiter({ clock, windowMs: 1.5 }),
    /'windowMs' must be a positive integer, received 1.5/,
  );
});
