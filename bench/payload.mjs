// deno-lint-ignore-file explicit-module-boundary-types -- plain JavaScript shared with Node; the types are in JSDoc
/**
 * The delta every baseline server sends: the same shape and size as a
 * Pulseboard P&L delta (two sources and the totals change), so the
 * servers compare on equal payloads. Plain JavaScript, so the Node-run
 * Socket.IO baseline and the Deno-run floors share it.
 *
 * @module
 */

/**
 * A P&L delta envelope after `seq` steps.
 *
 * @param {number} seq The step.
 * @param {number} net The trading figure, minor units.
 * @returns {object} The envelope (not serialized).
 */
export function makeDelta(seq, net) {
  const now = new Date().toISOString();
  return {
    type: "delta",
    topic: "pnl",
    epoch: "baseline",
    seq: seq + 1,
    base: seq,
    ts: now,
    patch: {
      totals: {
        expensesMinor: seq * 7,
        tradingMinor: net,
        netMinor: net - seq * 7,
      },
      sources: {
        "sim-api-costs": { amountMinor: seq * 7, asOf: now },
        "sim-trading": { amountMinor: net, asOf: now },
      },
    },
  };
}
