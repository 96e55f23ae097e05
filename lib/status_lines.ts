/**
 * The words and figures of a source's line in the status picture: its
 * status as the board says it, the failure times its state carries, and
 * its last hour of reads.
 *
 * @module
 */
/** A source's last hour of reads (see `lib/aggregate`'s ReadStats). */
export type ReadHour = {
  reads: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  latencyMs: number[];
  errorsPerMinute: number[];
};

/** A line's hour fields. */
type HourFields = {
  reads1h?: number;
  errors1h?: number;
  p50Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
  latencyMs?: number[];
  errorsPerMinute?: number[];
};

/** A line's failure times (ISO). */
type FailureTimes = {
  lastSuccessAt?: string;
  failingSince?: string;
  nextReadAt?: string;
};

/** A source's last hour as fields of its status line. */
export function hourLine(
  hour: ReadHour | undefined,
): HourFields {
  if (!hour) return {};
  return {
    reads1h: hour.reads,
    errors1h: hour.errors,
    p50Ms: hour.p50Ms,
    p95Ms: hour.p95Ms,
    p99Ms: hour.p99Ms,
    latencyMs: hour.latencyMs,
    errorsPerMinute: hour.errorsPerMinute,
  };
}

/** A source's status as a sentence fragment (the console's "state"). */
export function stateWords(status: string, sync: unknown): string {
  const progress = sync as
    | { pages?: number; items?: number; estimatedPages?: number }
    | undefined;
  switch (status) {
    case "ok":
      return "reading normally";
    case "stale":
      return "failing: showing the last figure read";
    case "open":
      return "paused after repeated failures (breaker open)";
    case "syncing":
      return `first sync: ${progress?.items ?? 0} items, ${
        progress?.pages ?? 0
      }${
        progress?.estimatedPages ? ` of about ${progress.estimatedPages}` : ""
      } pages so far`;
    default:
      return "no figure yet";
  }
}

/** The failure times a source's state carries, when it has them. */
export function failureTimes(s: unknown): FailureTimes {
  const r = (s ?? {}) as Record<string, unknown>;
  const out: FailureTimes = {};
  for (const key of ["lastSuccessAt", "failingSince", "nextReadAt"] as const) {
    if (typeof r[key] === "string") out[key] = r[key] as string;
  }
  return out;
}
