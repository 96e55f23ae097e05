// deno-lint-ignore-file explicit-module-boundary-types -- plain JavaScript shared with Node; the types are in JSDoc
/**
 * The delta every baseline server sends: the same shape and size as a
 * Pulseboard P&L delta (two sources, the balance and the totals change, in
 * every period), so the servers compare on equal payloads. Plain JavaScript, so the Node-run
 * Socket.IO baseline and the Deno-run floors share it.
 *
 * @module
 */

const PERIODS = ["today", "wtd", "mtd", "qtd", "ytd"];

/**
 * A P&L delta envelope after `seq` steps, shaped as Pulseboard's are since
 * its state carries every calendar period: the totals, each period's
 * totals with its comparison window's moving end and its sources' shares,
 * the balance, and the two sources that changed with their periods.
 *
 * @param {number} seq The step.
 * @param {number} net The trading figure, minor units.
 * @returns {object} The envelope (not serialized).
 */
export function makeDelta(seq, net) {
  const nowMs = Date.now();
  const now = new Date(nowMs).toISOString();
  const costs = 100_000 + seq * 7;
  const periods = {};
  const sourcePeriods = { costs: {}, trading: {} };
  PERIODS.forEach((period, i) => {
    const scale = 10 ** i;
    periods[period] = {
      expensesMinor: costs * scale,
      tradingMinor: net * scale,
      netMinor: (net - costs) * scale + 10_000_000 * scale,
      previous: { to: new Date(nowMs - 86_400_000 * (i + 1)).toISOString() },
      sources: {
        "sim-api-costs": { amountMinor: costs * scale },
        "sim-trading": { amountMinor: net * scale },
      },
    };
    sourcePeriods.costs[period] = { amountMinor: costs * scale };
    sourcePeriods.trading[period] = { amountMinor: net * scale };
  });
  return {
    type: "delta",
    topic: "pnl",
    epoch: "baseline0000",
    seq: seq + 1,
    base: seq,
    ts: now,
    patch: {
      totals: {
        expensesMinor: costs,
        tradingMinor: net,
        netMinor: net - costs,
      },
      periods,
      balances: {
        "sim-balance": { amountMinor: 122_060_081_354 + net, asOf: now },
      },
      sources: {
        "sim-revenue": { asOf: now, periodsAt: now },
        "sim-api-costs": {
          amountMinor: costs,
          asOf: now,
          periodsAt: now,
          periods: sourcePeriods.costs,
        },
        "sim-trading": {
          amountMinor: net,
          asOf: now,
          periodsAt: now,
          periods: sourcePeriods.trading,
        },
        "sim-balance": { amountMinor: 122_060_081_354 + net, asOf: now },
      },
    },
  };
}

/**
 * The snapshot a client gets on connecting, shaped and sized as
 * Pulseboard's (about 5.2 KB): the floors send it too, because a runtime
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
  const sourcePeriods = {};
  PERIODS.forEach((period, i) => {
    const scale = 10 ** i;
    const figures = {
      revenueMinor: 10_000_000 * scale,
      expensesMinor: 100_000 * scale,
      tradingMinor: net * scale,
      netMinor: (10_000_000 - 100_000 + net) * scale,
    };
    periods[period] = {
      from: "2026-12-01T00:00:00.000Z",
      to: "2026-12-02T00:00:00.000Z",
      ...figures,
      previous: {
        from: "2026-11-30T00:00:00.000Z",
        to: now,
        ...figures,
      },
      sources: Object.fromEntries(
        ids.map((id) => [id, {
          amountMinor: 1_000_000 * scale,
          previousMinor: 900_000 * scale,
        }]),
      ),
      unattributed: [],
      partial: [],
    };
    sourcePeriods[period] = {
      amountMinor: 1_000_000 * scale,
      previousMinor: 900_000 * scale,
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
    amountMinor: 1_000_000,
    currency: "USD",
    asOf: now,
    periodsAt: now,
    periods: sourcePeriods,
  });
  return {
    type: "snapshot",
    topic: "pnl",
    epoch: "baseline0000",
    seq,
    ts: now,
    data: {
      currency: "USD",
      stale: false,
      timezone: "UTC",
      totals: periods.today && {
        revenueMinor: periods.today.revenueMinor,
        expensesMinor: periods.today.expensesMinor,
        tradingMinor: periods.today.tradingMinor,
        netMinor: periods.today.netMinor,
      },
      periods,
      balances: {
        "sim-balance": {
          amountMinor: 122_060_081_354,
          currency: "USD",
          asOf: now,
        },
      },
      sources: {
        "sim-revenue": source("revenue", "Sales (simulated)"),
        "sim-api-costs": source("expense", "API costs (simulated)"),
        "sim-trading": source("trading", "Trading (simulated)"),
        "sim-balance": {
          kind: "simulator",
          role: "trading",
          status: "ok",
          origin: "live",
          label: "Cash (simulated)",
          everyMs: 1000,
          nature: "stock",
          amountMinor: 122_060_081_354,
          currency: "USD",
          asOf: now,
        },
      },
    },
  };
}
