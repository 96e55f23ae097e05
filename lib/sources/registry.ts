/**
 * Every source kind the sources file may name.
 *
 * @module
 */
import { anthropicCostsKind } from "./anthropic/anthropic_costs.ts";
import { httpJsonKind } from "./http_json.ts";
import { kalshiKind } from "./kalshi/kalshi_kind.ts";
import type { SourceKind } from "./kind.ts";
import { simulatorKind } from "./simulator.ts";
import { sqlKind } from "./sql.ts";
import { stripeKind } from "./stripe/stripe.ts";
import { webhookKind } from "./webhook.ts";

/** The kinds, by their `kind` value. */
export const SOURCE_KINDS: Readonly<Record<string, SourceKind>> = Object.freeze(
  Object.fromEntries(
    ([
      kalshiKind,
      anthropicCostsKind,
      stripeKind,
      httpJsonKind,
      webhookKind,
      sqlKind,
      simulatorKind,
    ] as SourceKind[]).map((k) => [k.kind, k]),
  ),
);
