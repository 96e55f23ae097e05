/**
 * The origin allowlist for WebSocket upgrades and CORS: a page on another
 * site must not be able to open a socket to the board with the visitor's
 * cookies (cross-site WebSocket hijacking) or read the API.
 *
 * @module
 */

/** Decides which browser origins may use the API. */
export interface OriginPolicy {
  /**
   * Whether a request from `origin` may proceed: requests without an Origin
   * header (non-browser clients) and same-origin requests always may.
   */
  allows(origin: string | null, requestUrl: string): boolean;
  /** Whether `origin` is explicitly listed (for CORS answers). */
  lists(origin: string): boolean;
}

/**
 * Builds the policy from the configured origins.
 *
 * @param allowed Origins such as `https://board.example.com`.
 * @returns The policy.
 *
 * @example Same origin and listed origins only
 * ```ts
 * import assert from "node:assert/strict";
 * import { originPolicy } from "@/lib/http/origins.ts";
 * const policy = originPolicy(["https://ops.example.com"]);
 * assert.equal(policy.allows("http://127.0.0.1:8000", "http://127.0.0.1:8000/api/ws"), true);
 * assert.equal(policy.allows("https://ops.example.com", "http://127.0.0.1:8000/api/ws"), true);
 * assert.equal(policy.allows("https://evil.example", "http://127.0.0.1:8000/api/ws"), false);
 * assert.equal(policy.allows(null, "http://127.0.0.1:8000/api/ws"), true);
 * ```
 */
export function originPolicy(allowed: readonly string[]): OriginPolicy {
  const set = new Set(allowed);
  return {
    allows(origin, requestUrl) {
      if (origin === null) return true;
      return origin === new URL(requestUrl).origin || set.has(origin);
    },
    lists: (origin) => set.has(origin),
  };
}
