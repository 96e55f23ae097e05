/**
 * A local Kalshi Trade API v2 that checks what the real one checks: the
 * three headers, the timestamp window, the key id, and the RSA-PSS
 * (salt 32) signature over timestamp + method + path (with /trade-api/v2,
 * without the query), answering with Kalshi's recorded error bodies; it
 * pages with cursors ("" on the last page), refuses limit > 1000 with a
 * bare {"msg"}, and rate-limits with a 429 that has no Retry-After. Fills
 * are split like Kalshi's: those created before the cutoff's
 * `trades_created_ts` only at /historical/fills, the rest at
 * /portfolio/fills; both filter by `ticker`, `min_ts` and `max_ts`, and
 * settlements by `min_ts` and `max_ts` on their settled time, newest
 * first. `latencyMs` delays every REST answer, as a real network does.
 */
import { bucket, type MockServer, serveMock } from "./mock_server.ts";
import {
  assertKalshiFill,
  type Fill,
  type GetBalanceResponse,
  kalshiFill,
  type MarketPosition,
  type Settlement,
} from "./kalshi_shapes.ts";

/** A market position as the wire carries it (one undocumented field more). */
export type WirePosition = MarketPosition & { resting_orders_count?: number };

/** The account the mock serves. */
export interface KalshiFixture {
  balance: GetBalanceResponse;
  positions: WirePosition[];
  settlements: Settlement[];
  /** Every fill, live and historical (split by `cutoff`); Kalshi's pairs only. */
  fills: Fill[];
  /** GET /historical/cutoff. */
  cutoff: Record<string, string>;
}

/** A fixture with figures worked out by hand in the tests. */
export function kalshiFixture(): KalshiFixture {
  return {
    balance: {
      balance: 9801,
      balance_dollars: "98.0186",
      portfolio_value: 198,
      updated_ts: 1781159348,
      balance_breakdown: [{ exchange_index: 0, balance: "98.0186" }],
    },
    settlements: [{
      ticker: "KXEX-26SEP07-B",
      exchange_index: 0,
      event_ticker: "KXEX-26SEP07",
      market_result: "no",
      yes_count_fp: "0.00",
      yes_total_cost_dollars: "0.0000",
      no_count_fp: "2.00",
      no_total_cost_dollars: "0.5000",
      revenue: 200,
      value: 0,
      fee_cost: "0.0600",
      settled_time: "2026-09-07T17:03:00Z",
    }],
    // A: bought 8 YES at 0.40 on 1 June, sold 5 at 0.45 on 11 June: 0.25
    // realized. C: bought 5 at 0.50 in February (historical now), sold 2
    // at 0.45 on 11 June: -0.10. Fees as the positions say.
    fills: [
      fill(
        "f1",
        "KXEX-26JUN11-A",
        "bid",
        "8.00",
        "0.4000",
        "0.010000",
        "2026-06-01T15:00:00Z",
      ),
      fill(
        "f2",
        "KXEX-26JUN11-A",
        "ask",
        "5.00",
        "0.4500",
        "0.008900",
        "2026-06-11T06:29:30Z",
      ),
      fill(
        "f3",
        "KXEX-26JUN11-C",
        "bid",
        "5.00",
        "0.5000",
        "0.005000",
        "2026-02-01T15:00:00Z",
      ),
      fill(
        "f4",
        "KXEX-26JUN11-C",
        "ask",
        "2.00",
        "0.4500",
        "0.005000",
        "2026-06-11T06:29:30Z",
      ),
    ],
    cutoff: {
      market_settled_ts: "2026-03-01T00:00:00Z",
      trades_created_ts: "2026-03-01T00:00:00Z",
      orders_updated_ts: "2026-03-01T00:00:00Z",
    },
    positions: [
      position("KXEX-26JUN11-A", "0.250000", "0.018900"),
      position("KXEX-26SEP07-B", "9.000000", "0.000000"), // settled: counted there
      position("KXEX-26JUN11-C", "-0.100000", "0.010000"),
    ],
  };
}

/** A fill of YES contracts: bought (`"bid"`) or sold (`"ask"`). */
export function fill(
  id: string,
  ticker: string,
  bookSide: "bid" | "ask",
  count: string,
  yes: string,
  fee: string,
  created: string,
): Fill {
  return kalshiFill({
    id,
    ticker,
    action: bookSide === "bid" ? "buy" : "sell",
    side: "yes",
    count,
    yes,
    fee,
    created,
  });
}

function position(
  ticker: string,
  realized: string,
  fees: string,
): WirePosition {
  return {
    ticker,
    exchange_index: 0,
    position_fp: "3.00",
    total_traded_dollars: "2.500000",
    market_exposure_dollars: "2.500000",
    realized_pnl_dollars: realized,
    fees_paid_dollars: fees,
    last_updated_ts: "2026-06-11T06:29:30.165032Z",
    resting_orders_count: 0,
  };
}

/** A generated key pair, as Kalshi users hold them. */
export interface KalshiKeys {
  keyId: string;
  publicKey: CryptoKey;
  pkcs8Pem: string;
  pkcs1Pem: string;
}

function pem(label: string, der: Uint8Array): string {
  let binary = "";
  for (const b of der) binary += String.fromCharCode(b);
  const body = btoa(binary).match(/.{1,64}/g)!.join("\n");
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

/** Reads one DER element's header: [contentStart, contentLength]. */
function derAt(der: Uint8Array, at: number): [number, number] {
  const first = der[at + 1]!;
  if (first < 0x80) return [at + 2, first];
  const n = first & 0x7f;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + der[at + 2 + i]!;
  return [at + 2 + n, len];
}

/** Generates an RSA key pair, with the private key in PKCS#8 and PKCS#1 PEM. */
export async function kalshiKeys(): Promise<KalshiKeys> {
  const pair = await crypto.subtle.generateKey(
    {
      name: "RSA-PSS",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    true,
    ["sign", "verify"],
  );
  const pkcs8 = new Uint8Array(
    await crypto.subtle.exportKey("pkcs8", pair.privateKey),
  );
  // PrivateKeyInfo = SEQ { INTEGER 0, SEQ { alg }, OCTET STRING { RSAPrivateKey } }
  const [seqStart] = derAt(pkcs8, 0);
  const [verStart, verLen] = derAt(pkcs8, seqStart);
  const [algStart, algLen] = derAt(pkcs8, verStart + verLen);
  const [octStart, octLen] = derAt(pkcs8, algStart + algLen);
  const pkcs1 = pkcs8.slice(octStart, octStart + octLen);
  return {
    keyId: crypto.randomUUID(),
    publicKey: pair.publicKey,
    pkcs8Pem: pem("PRIVATE KEY", pkcs8),
    pkcs1Pem: pem("RSA PRIVATE KEY", pkcs1),
  };
}

function authError(code: string, message: string, details?: string): Response {
  return Response.json(
    { error: { code, message, ...(details ? { details } : {}) } },
    { status: 401 },
  );
}

/** Options for {@linkcode kalshiMock}. */
export interface KalshiMockOptions {
  keys: KalshiKeys;
  fixture?: KalshiFixture;
  /** Accepted clock difference, ms (either way). */
  skewMs?: number;
  /** Read budget, requests per second (Basic tier: 20). */
  readsPerSecond?: number;
  /** Delay of every REST answer, ms. */
  latencyMs?: number;
}

/** A Kalshi mock and the fixture it serves (mutable while running). */
export interface KalshiMock extends MockServer {
  fixture: KalshiFixture;
  /** Base URL ending in /trade-api/v2. */
  apiUrl: string;
  /** Signatures that verified. */
  verified: number;
  /** Each list page served, as `path?query` without the subaccount, in order. */
  readonly served: readonly string[];
  /** WebSocket connections accepted (signed handshakes), ever. */
  readonly wsConnections: number;
  /** Sends a data message on a channel to every subscribed socket. */
  push(channel: "fill" | "market_positions", msg: unknown): void;
  /** Closes every socket, as a network drop would. */
  dropSockets(): void;
}

/** Starts the mock. */
export function kalshiMock(options: KalshiMockOptions): KalshiMock {
  const { keys, skewMs = 10_000, readsPerSecond = 20, latencyMs = 0 } = options;
  const fixture = options.fixture ?? kalshiFixture();
  const allow = bucket(readsPerSecond, readsPerSecond * 2);
  let verified = 0;
  let wsConnections = 0;
  const served: string[] = [];
  let sids = 0;
  const sockets = new Set<{
    socket: WebSocket;
    subscribed: Map<string, number>;
    seq: Map<number, number>;
  }>();
  const page = (url: URL, items: unknown[], key: string) => {
    const limit = Number(url.searchParams.get("limit") ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      return Response.json(
        {
          msg:
            "Key: 'GetPositionsRequest.Limit' Error:Field validation for 'Limit' failed on the 'lte' tag",
        },
        { status: 400 },
      );
    }
    const query = new URLSearchParams(url.searchParams);
    query.delete("subaccount");
    served.push(`${url.pathname.replace("/trade-api/v2", "")}?${query}`);
    const from = Number(url.searchParams.get("cursor") || 0) || 0;
    const slice = items.slice(from, from + limit);
    const next = from + limit < items.length ? String(from + limit) : "";
    return Response.json(
      key === "market_positions"
        ? { cursor: next, market_positions: slice, event_positions: [] }
        : { cursor: next, [key]: slice },
    );
  };
  const mock = serveMock(async (request, url) => {
    const keyId = request.headers.get("KALSHI-ACCESS-KEY");
    const ts = request.headers.get("KALSHI-ACCESS-TIMESTAMP");
    const signature = request.headers.get("KALSHI-ACCESS-SIGNATURE");
    if (!keyId || !ts || !signature) {
      return authError(
        "signature_is_missing_from_headers",
        "signature is missing from headers",
      );
    }
    if (!/^\d+$/.test(ts) || Math.abs(Date.now() - Number(ts)) > skewMs) {
      return authError("header_timestamp_expired", "header timestamp expired");
    }
    if (keyId !== keys.keyId) {
      return authError(
        "authentication_error",
        "authentication_error",
        "NOT_FOUND",
      );
    }
    let ok = false;
    try {
      const bytes = Uint8Array.from(atob(signature), (c) => c.charCodeAt(0));
      ok = await crypto.subtle.verify(
        { name: "RSA-PSS", saltLength: 32 },
        keys.publicKey,
        bytes,
        new TextEncoder().encode(`${ts}${request.method}${url.pathname}`),
      );
    } catch {
      ok = false;
    }
    if (!ok) {
      return authError(
        "authentication_error",
        "authentication_error",
        "INCORRECT_API_KEY_SIGNATURE",
      );
    }
    verified++;
    if (url.pathname === "/trade-api/ws/v2") {
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        return new Response("expected a WebSocket upgrade", { status: 400 });
      }
      const { socket, response } = Deno.upgradeWebSocket(request);
      wsConnections++;
      const subscribed = new Map<string, number>();
      socket.onmessage = (event) => {
        const cmd = JSON.parse(String(event.data)) as {
          id: number;
          cmd: string;
          params?: { channels?: string[] };
        };
        if (cmd.cmd !== "subscribe") return;
        for (const channel of cmd.params?.channels ?? []) {
          const sid = ++sids;
          subscribed.set(channel, sid);
          socket.send(JSON.stringify({
            type: "subscribed",
            id: cmd.id,
            msg: { channel, sid },
          }));
        }
      };
      socket.onclose = () => sockets.delete(client);
      const client = { socket, subscribed, seq: new Map<number, number>() };
      sockets.add(client);
      return response;
    }
    if (!allow()) {
      return Response.json({ error: "too many requests" }, { status: 429 });
    }
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
    switch (url.pathname) {
      case "/trade-api/v2/portfolio/balance":
        return Response.json(fixture.balance);
      case "/trade-api/v2/portfolio/positions":
        return page(url, fixture.positions, "market_positions");
      case "/trade-api/v2/portfolio/settlements": {
        const min = Number(url.searchParams.get("min_ts") ?? -Infinity);
        const max = Number(url.searchParams.get("max_ts") ?? Infinity);
        // Newest first, filtered by settled_time.
        const settled = fixture.settlements.filter((s) => {
          const at = Date.parse(String(s.settled_time)) / 1000;
          return at >= min && at <= max;
        }).sort((a, b) =>
          Date.parse(String(b.settled_time)) -
          Date.parse(String(a.settled_time))
        );
        return page(url, settled, "settlements");
      }
      case "/trade-api/v2/historical/cutoff":
        return Response.json(fixture.cutoff);
      case "/trade-api/v2/portfolio/fills":
      case "/trade-api/v2/historical/fills": {
        const cutoff = Date.parse(fixture.cutoff.trades_created_ts!);
        const historical = url.pathname.includes("/historical/");
        const ticker = url.searchParams.get("ticker");
        const min = Number(url.searchParams.get("min_ts") ?? -Infinity);
        const max = Number(url.searchParams.get("max_ts") ?? Infinity);
        fixture.fills.forEach(assertKalshiFill);
        // Newest first, as Kalshi lists them.
        const fills = fixture.fills.filter((f) => {
          const at = Date.parse(String(f.created_time));
          return (historical ? at < cutoff : at >= cutoff) &&
            (!ticker || f.ticker === ticker) &&
            at / 1000 >= min && at / 1000 <= max;
        }).sort((a, b) =>
          Date.parse(String(b.created_time)) -
          Date.parse(String(a.created_time))
        );
        return page(url, fills, "fills");
      }
      default:
        return Response.json(
          { error: { code: "not_found", message: "not found" } },
          { status: 404 },
        );
    }
  });
  const push = (channel: string, msg: unknown) => {
    for (const c of sockets) {
      const sid = c.subscribed.get(channel);
      if (sid === undefined || c.socket.readyState !== WebSocket.OPEN) continue;
      const seq = (c.seq.get(sid) ?? 0) + 1;
      c.seq.set(sid, seq);
      c.socket.send(JSON.stringify({
        type: channel === "fill" ? "fill" : "market_position",
        sid,
        seq,
        msg,
      }));
    }
  };
  const dropSockets = () => {
    for (const c of sockets) c.socket.close(1011, "drop");
    sockets.clear();
  };
  const stop = mock.stop.bind(mock);
  return Object.defineProperties(mock, {
    fixture: { value: fixture },
    apiUrl: { get: () => `${mock.url}/trade-api/v2` },
    verified: { get: () => verified },
    served: { value: served },
    wsConnections: { get: () => wsConnections },
    push: { value: push },
    dropSockets: { value: dropSockets },
    // Sockets close with the mock, so nothing is left open.
    stop: {
      value: () => {
        dropSockets();
        return stop();
      },
    },
  }) as KalshiMock;
}
