/**
 * A KalshiSource pointed at the Kalshi mock with a test key pair: realized
 * P&L, subaccount 0, pages of 100, the real clock (the mock checks the
 * signed timestamp against it); anything else by `overrides`.
 */
import { KalshiSource } from "@/lib/sources/kalshi/kalshi.ts";
import { importKalshiKey } from "@/lib/sources/kalshi/kalshi_signing.ts";
import { systemClock } from "@/lib/time/mod.ts";
import type { KalshiKeys } from "./kalshi.ts";

/** Builds the source. */
export async function kalshiSource(
  keys: KalshiKeys,
  apiUrl: string,
  overrides: Partial<ConstructorParameters<typeof KalshiSource>[0]> = {},
): Promise<KalshiSource> {
  return new KalshiSource({
    id: "kalshi",
    role: "trading",
    baseUrl: apiUrl,
    keyId: keys.keyId,
    key: await importKalshiKey(keys.pkcs8Pem),
    figure: "realized",
    subaccount: 0,
    pageSize: 100,
    maxPages: 10,
    clock: systemClock,
    ...overrides,
  });
}
