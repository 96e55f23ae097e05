/**
 * The sources file the multi-process tests (scale-out on Redis, workers)
 * share: a polled JSON source whose figure is a counting upstream, so
 * upstream reads can be counted, and an increment webhook, so deliveries
 * to any process can be checked.
 */

/**
 * Writes the file into a new temporary folder.
 *
 * @param upstreamUrl The counting mock's base URL (`/total` answers `{total}`).
 * @param intervalMs How often the polled source is read.
 * @returns The file's path (the webhook's secret is in `SHOP_SECRET`).
 */
export async function counterAndShopSources(
  upstreamUrl: string,
  intervalMs: number,
): Promise<string> {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/sources.json`;
  await Deno.writeTextFile(
    file,
    JSON.stringify({
      sources: [{
        id: "counter",
        kind: "http-json",
        role: "revenue",
        url: `${upstreamUrl}/total`,
        amountPointer: "/total",
        unit: "minor",
        intervalMs,
        // Healthy: time enough for a busy machine (files run in parallel).
        timeoutMs: 2_000,
      }, {
        id: "shop",
        kind: "webhook",
        role: "revenue",
        mode: "increment",
        secretEnv: "SHOP_SECRET",
        intervalMs: 60_000,
      }],
    }),
  );
  return file;
}
