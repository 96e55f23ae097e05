import assert from "node:assert/strict";
import {
  ago,
  clockTime,
  duration,
  failureTimes,
} from "@/islands/parts/time_words.ts";

const NOW = Date.parse("2026-12-02T10:30:00.000Z");

Deno.test("clockTime shows the time alone today in the zone, the day on another day, and the year in another year", () => {
  assert.equal(clockTime("2026-12-02T10:03:00Z", NOW, "UTC"), "10:03");
  assert.equal(
    clockTime("2026-12-02T10:03:00Z", NOW, "Europe/Berlin"),
    "11:03",
  );
  // 02:00 UTC on the 2nd is still the 1st in New York.
  assert.equal(
    clockTime("2026-12-02T02:00:00Z", NOW, "America/New_York"),
    "1 Dec 21:00",
  );
  assert.equal(
    clockTime("2025-08-14T10:03:00Z", NOW, "UTC"),
    "14 Aug 2025 10:03",
  );
  assert.equal(clockTime(undefined, NOW, "UTC"), "unknown");
});

Deno.test("duration and ago speak in the unit a person reads, and give the date past a day and a half", () => {
  assert.equal(duration(470), "470 ms");
  assert.equal(duration(20_000), "20 s");
  assert.equal(duration(12 * 60_000), "12 min");
  assert.equal(duration(5 * 3600_000), "5 h");
  assert.equal(duration(3 * 86_400_000), "3 days");
  assert.equal(ago("2026-12-02T10:29:59.500Z", NOW, "UTC"), "updated just now");
  assert.equal(ago("2026-12-02T10:29:56Z", NOW, "UTC"), "updated 4 s ago");
  assert.equal(ago("2026-08-14T10:03:00Z", NOW, "UTC"), "updated 14 Aug 10:03");
  assert.equal(ago(undefined, NOW, "UTC"), "never updated");
});

Deno.test("failureTimes says the last success and the next try, or since when it fails when it never succeeded", () => {
  assert.equal(
    failureTimes(
      {
        lastSuccessAt: "2026-12-02T10:18:00Z",
        failingSince: "2026-12-02T10:19:00Z",
        nextReadAt: "2026-12-02T10:30:20Z",
      },
      NOW,
      "UTC",
    ),
    "last success 10:18, 12 min ago; next try in 20 s",
  );
  assert.equal(
    failureTimes(
      {
        failingSince: "2026-12-02T10:19:00Z",
        nextReadAt: "2026-12-02T10:29:59Z",
      },
      NOW,
      "UTC",
    ),
    "failing since 10:19; trying now",
  );
});
