/**
 * `POST /api/ingest/:source`: a signed push into a webhook source, or one
 * of Stripe's own event deliveries to a `stripe` source. The
 * body is read once as bytes, the signature checked over those bytes, and
 * 2xx sent only once the event is stored.
 */
import type { Context } from "hono";
import { HttpError, readBodyBounded } from "@/lib/http/mod.ts";
import { IngestError } from "@/lib/sources/mod.ts";
import type { AppDeps } from "../deps.ts";
import { checkDeclaredBody } from "../limits.ts";

const CODES = {
  400: "bad_request",
  401: "unauthorized",
  404: "bad_request",
  413: "too_large",
  503: "unavailable",
} as const;

/** The ingest handler. */
export function ingestRoute(deps: AppDeps): (c: Context) => Promise<Response> {
  return async function ingest(c: Context): Promise<Response> {
    const id = c.req.param("source") ?? "";
    const signature = c.req.header("pulse-signature") ??
      c.req.header("stripe-signature") ?? null;
    try {
      if (!deps.ingest) {
        throw new IngestError(
          404,
          "unknown_source",
          `no source "${id}" takes deliveries: declare one with "kind": "webhook", or a "stripe" source with "webhookSecretEnv", in the sources file (PULSE_CONFIG)`,
        );
      }
      // The source's own limit (Stripe's events reach 256 KiB), checked
      // here rather than at the door so a refusal is counted per source.
      const limit = deps.ingestLimit?.(id) ?? deps.config.maxBodyBytes;
      let body: Uint8Array;
      try {
        checkDeclaredBody(limit, c, `source "${id}"`);
        body = await readBodyBounded(c.req.raw, limit);
      } catch (error) {
        deps.onIngest?.(id, "too_large");
        throw error;
      }
      const result = await deps.ingest(id, body, signature);
      deps.onIngest?.(id, result.duplicate ? "duplicate" : "accepted");
      return c.json({
        accepted: true,
        id: result.id,
        duplicate: result.duplicate,
        amountMinor: result.reading.amountMinor,
        currency: result.reading.currency,
        asOf: result.reading.asOf,
      }, 200);
    } catch (error) {
      if (!(error instanceof IngestError)) throw error;
      deps.onIngest?.(id, error.reason);
      throw new HttpError(error.status, CODES[error.status], error.message, {
        headers: error.status === 503 ? { "retry-after": "5" } : {},
      });
    }
  };
}
