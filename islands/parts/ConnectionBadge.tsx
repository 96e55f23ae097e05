/**
 * The board's connection badge: transport, status and latency at a
 * glance, and the server's health, reconnects and fallback reason when
 * opened. Re-rendered only when one of these changes, not per delta.
 */
import type { TransportName } from "@/lib/client/mod.ts";
import { memo } from "./memo.ts";

/** Props of {@linkcode ConnectionBadge}. */
export interface ConnectionBadgeProps {
  /** The client's connection status (`live`, `reconnecting`, ...). */
  status: string;
  /** The transport in use. */
  transport: TransportName;
  /** The last measured round trip, ms. */
  latencyMs?: number;
  /** Reconnections since the page loaded. */
  reconnects: number;
  /** Why the client fell back from WebSocket, if it did. */
  fallbackReason?: string;
  /** The server's health, refreshed by the board. */
  health: { status: string; reasons: string[] };
  /** Whether to link the operator console. */
  operatorLink: boolean;
}

/** The badge. */
export const ConnectionBadge = memo(function ConnectionBadge(
  {
    status,
    transport,
    latencyMs,
    reconnects,
    fallbackReason,
    health,
    operatorLink,
  }: ConnectionBadgeProps,
): preact.JSX.Element {
  return (
    <details
      class={`badge badge-${status}`}
      data-transport={transport}
      data-status={status}
    >
      <summary>
        {transport} · {status}
        {latencyMs !== undefined &&
            status === "live"
          ? ` · ${latencyMs} ms`
          : ""}
      </summary>
      <dl class="badge-details">
        <dt>Server</dt>
        <dd data-testid="server-health">
          {health.status}
          {health.reasons.length > 0 ? `: ${health.reasons.join("; ")}` : ""}
        </dd>
        <dt>Reconnects</dt>
        <dd>{reconnects}</dd>
        <dt>Transport</dt>
        <dd>
          {fallbackReason ? `${transport}: ${fallbackReason}` : transport}
        </dd>
        {operatorLink && (
          <>
            <dt>Operator</dt>
            <dd>
              <a href="/admin" data-testid="admin-link">Operator console</a>
            </dd>
          </>
        )}
      </dl>
    </details>
  );
});
