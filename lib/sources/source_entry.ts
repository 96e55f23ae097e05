/**
 * One source entry of the sources file: the fields every source has
 * (id, role, schedule, retry, breaker, currency) beside its kind's own,
 * checked together so every problem of the entry is reported at once,
 * each prefixed with the source's name.
 *
 * @module
 */
import { didYouMean } from "../did_you_mean.ts";
import type { CommonSettings, SourceKind } from "./kind.ts";
import { SOURCE_KINDS } from "./registry.ts";
import type { SourceRole } from "./source.ts";
import {
  collectErrors,
  currencyCode,
  type Fields,
  int,
  nested,
  oneOf,
  parseObject,
  positiveDecimal,
  SpecError,
  str,
  throwCollected,
} from "../spec/mod.ts";

const RETRY_FIELDS = {
  maxAttempts: {
    type: int(1, 10),
    default: 3,
    description: "Most attempts per fetch, the first included",
  },
  minDelayMs: {
    type: int(1, 60_000),
    default: 250,
    description: "First backoff ceiling, ms (full jitter)",
  },
  maxDelayMs: {
    type: int(1, 300_000),
    default: 5_000,
    description: "Largest backoff ceiling, ms",
  },
} satisfies Fields;

const BREAKER_FIELDS = {
  failureThreshold: {
    type: int(1, 1000),
    default: 5,
    description: "Consecutive failures that open the circuit",
  },
  cooldownMs: {
    type: int(100, 3_600_000),
    default: 30_000,
    description: "How long the circuit stays open before one probe, ms",
  },
} satisfies Fields;

/** The fields every source has, with this kind's defaults. */
export function commonFields(kind: SourceKind): Fields {
  return {
    id: {
      type: str({
        pattern: /^[a-z0-9][a-z0-9_-]{0,63}$/,
        maxLength: 64,
        words:
          'an id of lower-case letters, digits, "-" and "_" (up to 64), such as "stripe-eu"',
      }),
      description:
        "Unique id: the key in the P&L and the :source of /api/ingest",
    },
    label: {
      type: str({ words: "a name of 1 to 80 characters", maxLength: 80 }),
      optional: true,
      description:
        'The name the board shows for this source, such as "Stripe (EU)"; the id when absent',
    },
    role: {
      type: oneOf(["revenue", "expense", "trading"] as const),
      description:
        "How the amount enters the P&L: net = revenue + trading - expense",
    },
    intervalMs: {
      type: int(kind.minIntervalMs ?? 100, 86_400_000),
      default: kind.defaultIntervalMs,
      description:
        "Time from the start of one fetch to the start of the next, ms (plus up to 10% jitter); a fetch that takes longer is followed at once",
    },
    timeoutMs: {
      type: int(100, 120_000),
      default: 10_000,
      description: "Time limit of one attempt, ms",
    },
    requestsPerSecond: {
      type: int(1, 1000),
      ...(kind.defaultRequestsPerSecond
        ? { default: kind.defaultRequestsPerSecond }
        : { optional: true }),
      description:
        "Most upstream requests a second (each page of a paged sync), leaving room for the owner's own use of the key; Stripe allows about 25 in test mode and 100 live, Kalshi's Basic tier about 20 reads",
    },
    cacheTtlMs: {
      type: int(0, 86_400_000),
      optional: true,
      description:
        "How long a reading counts as fresh in the cache tiers, ms: a read inside it is answered without asking the upstream (0: always ask). PULSE_CACHE_TTL_MS, else half of intervalMs, when absent; webhook sources are never cached",
    },
    retry: {
      type: nested(RETRY_FIELDS),
      default: parseObject({}, RETRY_FIELDS, "retry"),
      description: "Retries of a failed fetch",
    },
    breaker: {
      type: nested(BREAKER_FIELDS),
      default: parseObject({}, BREAKER_FIELDS, "breaker"),
      description: "The source's circuit breaker",
    },
    currency: {
      type: currencyCode,
      optional: true,
      description: kind.fixedCurrency
        ? `Always ${kind.fixedCurrency} for this kind`
        : "The currency the source reports in; the reporting currency by default",
    },
    fxRate: {
      type: positiveDecimal,
      optional: true,
      description:
        "For a source in another currency: one unit of it is worth this many units of the reporting currency (a fixed rate)",
    },
  };
}

/** One validated source entry. */
export interface SourceEntry {
  /** Common settings. */
  common: CommonSettings;
  /** The kind. */
  kind: SourceKind;
  /** The kind's own settings. */
  settings: Record<string, unknown>;
}

/**
 * Validates one source entry; every problem of it, each prefixed with the
 * source's name.
 */
export function parseEntry(
  raw: unknown,
  i: number,
  currency: string,
  seen: Map<string, string>,
): SourceEntry {
  const path = `sources[${i}]`;
  const label = (typeof (raw as { id?: unknown })?.id === "string")
    ? `source "${(raw as { id: string }).id}" (${path})`
    : path;
  const named = (e: SpecError) =>
    label === path ? e : new SpecError(e.path, `${label}: ${e.message}`);
  const errors: SpecError[] = [];
  const entry = collectErrors(
    errors,
    () => checkEntry(raw, path, currency, seen),
  );
  throwCollected(errors.map(named));
  return entry!;
}

function checkEntry(
  raw: unknown,
  path: string,
  currency: string,
  seen: Map<string, string>,
): SourceEntry {
  const kindName = (raw as { kind?: unknown })?.kind;
  const kind =
    typeof kindName === "string" && Object.hasOwn(SOURCE_KINDS, kindName)
      ? SOURCE_KINDS[kindName]
      : undefined;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new SpecError(path, `${path}: expected an object`);
  }
  if (!kind) {
    const near = typeof kindName === "string"
      ? didYouMean(kindName, Object.keys(SOURCE_KINDS))
      : undefined;
    throw new SpecError(
      `${path}.kind`,
      `${path}.kind: found ${
        kindName === undefined ? "nothing" : JSON.stringify(kindName)
      }, expected one of ${
        Object.keys(SOURCE_KINDS).map((k) => `"${k}"`).join(", ")
      }${near ? ` (did you mean "${near}"?)` : ""}`,
    );
  }
  // Both halves are checked, so each reports its own problems.
  const errors: SpecError[] = [];
  // A repeated id is said even when either entry has other mistakes.
  const id = (raw as { id?: unknown }).id;
  if (typeof id === "string") {
    const earlier = seen.get(id);
    if (earlier) {
      errors.push(
        new SpecError(
          `${path}.id`,
          `${path}.id: "${id}" is already the id of ${earlier}; ids must be unique`,
        ),
      );
    } else seen.set(id, path);
  }
  const common = collectErrors(
    errors,
    () =>
      parseObject(raw, commonFields(kind), path, [
        "kind",
        ...Object.keys(kind.fields),
      ]),
  ) as
    | Omit<CommonSettings, "kind" | "path" | "currency"> & {
      currency?: string;
    }
    | undefined;
  const settings = collectErrors(
    errors,
    () =>
      parseObject(raw, kind.fields, path, [
        "kind",
        ...Object.keys(commonFields(kind)),
      ]),
  );
  throwCollected(errors);
  const c = common!;
  const sourceCurrency = c.currency ?? kind.fixedCurrency ?? currency;
  if (kind.fixedCurrency && sourceCurrency !== kind.fixedCurrency) {
    throw new SpecError(
      `${path}.currency`,
      `${path}.currency: found "${sourceCurrency}", but ${kind.kind} always reports ${kind.fixedCurrency}`,
    );
  }
  if (sourceCurrency !== currency && c.fxRate === undefined) {
    throw new SpecError(
      `${path}.fxRate`,
      `${path}: the source reports ${sourceCurrency} and the board reports ${currency}; add "fxRate" (one ${sourceCurrency} in ${currency}, such as "1.08") or change the board's currency`,
    );
  }
  if (sourceCurrency === currency && c.fxRate !== undefined) {
    throw new SpecError(
      `${path}.fxRate`,
      `${path}.fxRate: the source already reports ${currency}, the board's currency; remove "fxRate"`,
    );
  }
  if (c.retry.minDelayMs > c.retry.maxDelayMs) {
    throw new SpecError(
      `${path}.retry`,
      `${path}.retry: minDelayMs (${c.retry.minDelayMs}) is above maxDelayMs (${c.retry.maxDelayMs})`,
    );
  }
  return {
    common: {
      ...c,
      kind: kind.kind,
      role: c.role as SourceRole,
      currency: sourceCurrency,
      path,
    },
    kind,
    settings: settings as Record<string, unknown>,
  };
}
