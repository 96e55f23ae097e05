import assert from "node:assert/strict";
import {
  addLivePoint,
  axisLabels,
  type Series,
  timeLabel,
} from "@/islands/parts/chart_series.ts";

const empty = (): Series => [[], [], [], [], []];

Deno.test("addLivePoint() appends points further apart than a pixel", () => {
  const series = empty();
  assert.equal(addLivePoint(series, 100, [1, 2, 3, 4], 10), true);
  assert.equal(addLivePoint(series, 111, [5, 6, 7, 8], 10), true);
  assert.deepEqual(series, [[100, 111], [1, 5], [2, 6], [3, 7], [4, 8]]);
});

Deno.test("addLivePoint() folds points within a pixel into the last one, so a day of 10 updates/s stays as long as the chart is wide", () => {
  const series = empty();
  addLivePoint(series, 0, [0, 0, 0, 0], 72);
  // A day at 10 updates a second on a 1,200-pixel chart (72 s a pixel).
  for (let i = 1; i <= 864_000; i++) {
    addLivePoint(series, i / 10, [i, 0, 0, 0], 72);
  }
  assert.ok(series[0].length <= 1_201, `${series[0].length} points`);
  assert.equal(series[1].at(-1), 864_000, "the newest value is shown");
});

Deno.test("addLivePoint() never overwrites the window's first point or a gap", () => {
  const series: Series = [[0], [7], [0], [0], [0]];
  assert.equal(addLivePoint(series, 1, [8, 0, 0, 0], 10), true);
  assert.deepEqual(series[1], [7, 8]);
  const gapped: Series = [[0, 5], [1, null], [1, null], [1, null], [1, null]];
  assert.equal(addLivePoint(gapped, 6, [3, 3, 3, 3], 10), true);
  assert.deepEqual(gapped[1], [1, null, 3]);
});

Deno.test("addLivePoint() ignores a point older than the last when it cannot replace it", () => {
  const series: Series = [[10], [1], [1], [1], [1]];
  assert.equal(addLivePoint(series, 5, [2, 2, 2, 2], 1), false);
  assert.deepEqual(series[1], [1]);
});

Deno.test("timeLabel() reads a point in the board's zone and its one date style, whatever the viewer's", () => {
  const midnightNewYork = Date.parse("2026-12-07T05:00:00Z") / 1000;
  assert.equal(
    timeLabel(midnightNewYork, "America/New_York"),
    "7 Dec 2026, 00:00",
  );
  assert.equal(timeLabel(midnightNewYork, "Asia/Tokyo"), "7 Dec 2026, 14:00");
});

Deno.test("axisLabels() says clock times within a day (the date at midnight), dates across days, and months across a year with the year at January", () => {
  const zone = "America/New_York";
  const at = (iso: string) => Date.parse(iso) / 1000;
  assert.deepEqual(
    axisLabels(
      [
        at("2026-12-07T04:00:00Z"),
        at("2026-12-07T05:00:00Z"),
        at("2026-12-07T11:00:00Z"),
      ],
      3_600,
      zone,
    ),
    ["23:00", "7 Dec", "06:00"],
  );
  assert.deepEqual(
    axisLabels(
      [at("2026-12-01T05:00:00Z"), at("2026-12-02T05:00:00Z")],
      86_400,
      zone,
    ),
    ["1 Dec", "2 Dec"],
  );
  assert.deepEqual(
    axisLabels(
      [at("2026-12-01T05:00:00Z"), at("2027-01-01T05:00:00Z")],
      31 * 86_400,
      zone,
    ),
    ["Dec", "Jan 2027"],
  );
});
