/**
 * A local Anthropic Admin API cost report: checks x-api-key (an Admin key,
 * sk-ant-admin...) and anthropic-version, sends request-id on every
 * answer and errors in the {"type":"error",...} envelope, returns day
 * buckets with amounts as decimal cent strings, and pages with
 * has_more/next_page driven by limit.
 */
import { type MockServer, serveMock } from "./mock_server.ts";

/** The cost items of each day, by UTC date (`2026-11-28`), cents as strings. */
export type CostFixture = Map<string, string[]>;

/** A mock and its fixture (mutable while running). */
export interface AnthropicMock extends MockServer {
  costs: CostFixture;
  /** The admin key it accepts. */
  key: string;
}

function error(status: number, type: string, message: string): Response {
  return Response.json({
    type: "error",
    error: { type, message },
    request_id: `req_${crypto.randomUUID().replaceAll("-", "")}`,
  }, { status, headers: { "request-id": `req_${crypto.randomUUID()}` } });
}

/** Starts the mock. */
export function anthropicMock(
  costs: CostFixture = new Map(),
  key = "sk-ant-admin01-test-key",
): AnthropicMock {
  const mock = serveMock((request, url) => {
    const given = request.headers.get("x-api-key");
    if (!given) {
      return error(401, "authentication_error", "x-api-key header is required");
    }
    if (!given.startsWith("sk-ant-admin")) {
      return error(
        403,
        "permission_error",
        "This endpoint requires an Admin API key (sk-ant-admin...)",
      );
    }
    if (given !== key) {
      return error(401, "authentication_error", "invalid x-api-key");
    }
    if (!request.headers.get("anthropic-version")) {
      return error(
        400,
        "invalid_request_error",
        "anthropic-version: header is required",
      );
    }
    if (url.pathname !== "/v1/organizations/cost_report") {
      return error(
        404,
        "not_found_error",
        "The requested resource could not be found.",
      );
    }
    const startText = url.searchParams.get("starting_at");
    const start = startText ? Date.parse(startText) : NaN;
    if (!Number.isFinite(start)) {
      return error(
        400,
        "invalid_request_error",
        "starting_at: a valid RFC 3339 date-time is required",
      );
    }
    const endText = url.searchParams.get("ending_at");
    const end = endText ? Date.parse(endText) : Date.now();
    const limit = Number(url.searchParams.get("limit") ?? 7);
    if (!Number.isInteger(limit) || limit < 1 || limit > 31) {
      return error(
        400,
        "invalid_request_error",
        "limit: must be between 1 and 31",
      );
    }
    const pageText = url.searchParams.get("page");
    let from = Math.floor(start / 86_400_000) * 86_400_000;
    if (pageText) {
      const decoded = Date.parse(atob(pageText.replace(/^page_/, "")));
      if (!Number.isFinite(decoded)) {
        return error(400, "invalid_request_error", "page: invalid page token");
      }
      from = decoded;
    }
    const data = [];
    let day = from;
    while (day < end && data.length < limit) {
      const iso = new Date(day).toISOString().replace(".000Z", "Z");
      const amounts = costs.get(iso.slice(0, 10)) ?? [];
      data.push({
        starting_at: iso,
        ending_at: new Date(day + 86_400_000).toISOString().replace(
          ".000Z",
          "Z",
        ),
        results: amounts.map((amount) => ({
          currency: "USD",
          amount,
          workspace_id: null,
          description: null,
          cost_type: null,
          context_window: null,
          model: null,
          service_tier: null,
          token_type: null,
        })),
      });
      day += 86_400_000;
    }
    const hasMore = day < end;
    return Response.json({
      data,
      has_more: hasMore,
      next_page: hasMore
        ? `page_${btoa(new Date(day).toISOString().replace(".000Z", "Z"))}`
        : null,
    }, { headers: { "request-id": `req_${crypto.randomUUID()}` } });
  });
  return Object.defineProperties(mock, {
    costs: { value: costs },
    key: { value: key },
  }) as AnthropicMock;
}
