/**
 * Boards the browser tests open, written as sources files in a temporary
 * folder that goes when the test ends: real-length names, nine-figure
 * simulated amounts, and a source whose upstream never answers (so its
 * totals are incomplete and the board says so).
 */

/** A loopback port nothing listens on (just closed): every read is refused. */
export function closedPort(): number {
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = closed.addr.port;
  closed.close();
  return port;
}

/** A sources file on disk, removed with its folder on dispose. */
export interface BoardFile extends AsyncDisposable {
  /** The file's path, for `PULSE_CONFIG`. */
  file: string;
}

/**
 * Writes `board` as a sources file.
 *
 * @param board The file's content.
 * @returns Its path; dispose to remove it.
 */
export async function writeBoard(board: unknown): Promise<BoardFile> {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/sources.json`;
  await Deno.writeTextFile(file, JSON.stringify(board));
  return {
    file,
    async [Symbol.asyncDispose]() {
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/**
 * A group's board with the long names real companies give their sources:
 * simulated revenue, costs, trading and a cash balance, beside a Shopify
 * source whose upstream never answers.
 */
export function longNameBoard(): Record<string, unknown> {
  const simulated = (
    id: string,
    label: string,
    role: string,
    figure?: string,
  ) => ({
    id,
    label,
    kind: "simulator",
    role,
    ...(figure ? { figure } : {}),
    intervalMs: 500,
  });
  return {
    title: "Acme Holdings: group P&L",
    sources: [
      simulated(
        "sales",
        "Stripe revenue: Acme Holdings Europe B.V.",
        "revenue",
      ),
      simulated(
        "costs",
        "Anthropic API costs, production workspace",
        "expense",
        "costs",
      ),
      simulated(
        "desk",
        "Kalshi event contracts: macro desk",
        "trading",
        "trading",
      ),
      simulated(
        "cash",
        "Operating cash: checking ••••4821",
        "trading",
        "balance",
      ),
      {
        id: "shop",
        label: "Shopify storefront (EU)",
        kind: "http-json",
        role: "revenue",
        url: `http://127.0.0.1:${closedPort()}/total`,
        amountPointer: "/total",
        unit: "minor",
        intervalMs: 1_000,
        timeoutMs: 300,
        retry: { maxAttempts: 1 },
      },
    ],
  };
}
