// deno-lint-ignore-file explicit-module-boundary-types -- plain JavaScript shared with Node; the types are in JSDoc
/**
 * The delta every baseline server sends: the same shape and size as a
 * Pulseboard P&L delta (state version 2: two flows and the balance change,
 * in every period), so the servers compare on equal payloads. Plain JavaScript, so the Node-run
 * Socket.IO baseline and the Deno-run floors share it.
 *
 * @module
 */

const PERIODS = ["today", "wtd", "mtd", "qtd", "ytd"];

/**
 * A P&L delta envelope after `seq` steps, shaped as Pulseboard's (state
 * version 2): each period's changed totals and the two flows' amounts in
 * it, each source's new `asOf`, and the balance on its source.
 *
 * @param {number} seq The step.
 * @param {number} net The trading figure, minor units.
 * @returns {object} The envelope (not serialized).
 */
export function makeDelta(seq, net) {
  const now = new Date().toISOString();
  const costs = 100_000 + seq * 7;
  const periods = {};
  PERIODS.forEach((period, i) => {
    const scale = 10 ** i;
    periods[period] = {
      expensesMinor: costs * scale,
      tradingMinor: net * scale,
      netMinor: (net - costs) * scale + 10_000_000 * scale,
      sources: {
        "sim-api-costs": { amountMinor: costs * scale },
        "sim-trading": { amountMinor: net * scale },
      },
    };
  });
  return {
    type: "delta",
    topic: "pnl",
    epoch: "baseline0000",
    seq: seq + 1,
    base: seq,
    ts: now,
    patch: {
      periods,
      sources: {
        "sim-revenue": { asOf: now },
        "sim-api-costs": { asOf: now },
        "sim-trading": { asOf: now },
        "sim-balance": { amountMinor: 122_060_081_354 + net, asOf: now },
      },
    },
  };
}

/**
 * The snapshot a client gets on connecting, shaped and sized as
 * Pulseboard's (about 2.5 KB): the floors send it too, because a runtime
 * keeps a write buffer per connection as large as the largest message it
 * sent, so a floor that sends nothing on connect is not comparable.
 *
 * @param {number} seq The seq the next delta applies to.
 * @param {number} net The trading figure, minor units.
 * @returns {object} The envelope (not serialized).
 */
export function makeSnapshot(seq, net) {
  const now = new Date().toISOString();
  const ids = ["sim-revenue", "sim-api-costs", "sim-trading"];
  const periods = {};
  PERIODS.forEach((period, i) => {
    const scale = 10 ** i;
    const figures = {
      revenueMinor: 10_000_000 * scale,
      expensesMinor: 100_000 * scale,
      tradingMinor: net * scale,
      netMinor: (10_000_000 - 100_000 + net) * scale,
    };
    periods[period] = {
      ...figures,
      previous: figures,
      sources: Object.fromEntries(
        ids.map((id) => [id, {
          amountMinor: 1_000_000 * scale,
          previousMinor: 900_000 * scale,
        }]),
      ),
    };
  });
  const source = (role, label) => ({
    kind: "simulator",
    role,
    status: "ok",
    origin: "live",
    label,
    everyMs: 1000,
    nature: "flow",
    asOf: now,
  });
  return {
    type: "snapshot",
    topic: "pnl",
    epoch: "baseline0000",
    seq,
    ts: now,
    data: {
      version: 2,
      currency: "USD",
      timezone: "UTC",
      weekStart: "monday",
      date: now.slice(0, 10),
      stale: false,
      periods,
      sources: {
        "sim-revenue": source("revenue", "Sales (simulated)"),
        "sim-api-costs": source("expense", "API costs (simulated)"),
        "sim-trading": source("trading", "Trading (simulated)"),
        "sim-balance": {
          kind: "simulator",
          role: "trading",
          status: "ok",
          origin: "live",
          label: "Cash balance (simulated)",
          everyMs: 1000,
          nature: "stock",
          amountMinor: 122_060_081_354,
          asOf: now,
        },
      },
    },
  };
}
