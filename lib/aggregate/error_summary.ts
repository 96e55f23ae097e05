/**
 * What viewers and operators are told about a failed read. Upstream error
 * text can echo what was sent (a URL with a key in its query, a header, a
 * body), so the P&L state that every viewer receives carries only a
 * summary built from the error's kind (timed out, HTTP 503, connection
 * refused); the full text, with its causes, goes to logs and the
 * operator's `/admin`.
 *
 * @module
 */
import {
  CircuitOpenError,
  TimeoutError,
  UpstreamHttpError,
} from "../resilience/mod.ts";
import { SqlDeadlineError, UpstreamDataError } from "../sources/mod.ts";

/** A failed read in two forms. */
export interface ErrorSummary {
  /** Safe for anyone: the kind of failure, no upstream text. */
  summary: string;
  /** For operators: the message and each cause, as thrown. */
  detail: string;
}

/** Network failures by the OS error name that appears in their text. */
const NETWORK: [RegExp, string][] = [
  [/connection refused|ECONNREFUSED/i, "connection refused"],
  [/connection reset|ECONNRESET/i, "connection reset"],
  [
    /dns error|failed to lookup|ENOTFOUND|name or service not known|no such host/i,
    "host not found",
  ],
  [/certificate|tls|ssl/i, "TLS handshake failed"],
  [/timed? ?out|ETIMEDOUT/i, "connection timed out"],
  [/network is unreachable|ENETUNREACH|EHOSTUNREACH/i, "network unreachable"],
];

/**
 * Summarizes a failed read.
 *
 * @param error What the read threw.
 * @returns The safe summary and the full detail.
 *
 * @example The upstream's words stay out of the summary
 * ```ts
 * import assert from "node:assert/strict";
 * import { summarizeError } from "@/lib/aggregate/error_summary.ts";
 * import { UpstreamHttpError } from "@/lib/resilience/mod.ts";
 * const { summary, detail } = summarizeError(
 *   new UpstreamHttpError(401, "Stripe answered 401: Invalid API Key provided: sk_live_****1234"),
 * );
 * assert.equal(summary, "the upstream refused the credentials (HTTP 401)");
 * assert.match(detail, /sk_live_/);
 * ```
 */
export function summarizeError(error: unknown): ErrorSummary {
  return { summary: summary(error), detail: detail(error) };
}

function summary(error: unknown): string {
  for (let e = error, depth = 0; e && depth < 5; depth++) {
    if (e instanceof CircuitOpenError) {
      return `paused after repeated failures; next try in ${
        Math.ceil(e.retryAfterMs / 1000)
      } s`;
    }
    if (e instanceof TimeoutError) {
      return `timed out after ${Math.round(e.timeoutMs / 100) / 10} s`;
    }
    if (e instanceof UpstreamHttpError) return httpSummary(e.status);
    if (e instanceof SqlDeadlineError) {
      return "the query is still running past the read's deadline";
    }
    if (e instanceof UpstreamDataError) {
      return "the upstream's answer could not be read";
    }
    if (e instanceof Error && e.name === "AbortError") return "cancelled";
    e = e instanceof Error ? e.cause : undefined;
  }
  const text = detail(error);
  for (const [pattern, words] of NETWORK) {
    if (pattern.test(text)) return words;
  }
  if (error instanceof TypeError) return "the request failed";
  return "the read failed";
}

function httpSummary(status: number): string {
  if (status === 401 || status === 403) {
    return `the upstream refused the credentials (HTTP ${status})`;
  }
  if (status === 404) {
    return "the upstream does not know this resource (HTTP 404)";
  }
  if (status === 429) return "rate limited by the upstream (HTTP 429)";
  if (status >= 500) return `the upstream failed (HTTP ${status})`;
  return `the upstream refused the request (HTTP ${status})`;
}

function detail(error: unknown): string {
  const parts: string[] = [];
  for (let e = error, depth = 0; e !== undefined && depth < 5; depth++) {
    const text = e instanceof Error ? e.message : String(e);
    if (text && !parts.includes(text)) parts.push(text);
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(": ") || "unknown error";
}
