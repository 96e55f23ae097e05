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
