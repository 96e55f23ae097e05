/**
 * The operator page at `/admin`: connections, topics, stream counters,
 * sources with their breakers and the actions on them (read now, reset
 * the breaker), cache tiers, alert rules, Redis and leadership, live over
 * the `admin` topic through `lib/client`'s StreamClient; and the board's
 * share links, made, listed and revoked over `/api/viewer-links`.
 */
import { useSignal } from "@preact/signals";
import { useStreamClient } from "./parts/use_stream_client.ts";
import { SourceActions } from "./parts/SourceActions.tsx";
import { ShareLinks } from "./parts/ShareLinks.tsx";
import { AlertActions } from "./parts/AlertActions.tsx";
import { clockTime } from "./parts/time_words.ts";
import { headerOf, valueWords } from "./parts/admin_cells.ts";

/** Props of {@linkcode AdminBoard}: the `admin` snapshot the page was rendered from. */
export interface AdminBoardProps {
  epoch: string;
  seq: number;
  data: Record<string, unknown>;
  authRequired: boolean;
  /**
   * The server's heartbeat interval (`PULSE_HEARTBEAT_MS`), ms.
   * @default {15000}
   */
  heartbeatMs?: number;
  /**
   * The board's time zone (times on this page read in it).
   * @default {"UTC"}
   */
  zone?: string;
}

type Table = Record<string, Record<string, unknown>>;

/** The operator board. */
export default function AdminBoard(props: AdminBoardProps): preact.JSX.Element {
  const client = useStreamClient({
    topic: "admin",
    initial: { epoch: props.epoch, seq: props.seq, data: props.data as never },
    authRequired: props.authRequired,
    ...(props.heartbeatMs ? { heartbeatMs: props.heartbeatMs } : {}),
  });
  const d = (client.value.view?.data ?? {}) as Record<string, unknown>;
  const zone = props.zone ?? "UTC";
  return (
    <main
      class="board admin"
      data-status={client.value.status}
      data-seq={String(client.value.view?.seq ?? 0)}
    >
      <header class="board-head">
        <h1>Pulseboard operator</h1>
        <span class={`badge badge-${client.value.status}`}>
          {client.value.transport} · {client.value.status}
        </span>
      </header>
      <p class="board-foot">
        <a href="/" data-testid="board-link">Back to the board</a>
      </p>
      <Section
        title="Connections"
        rows={{ now: d.connections as Record<string, unknown> }}
      />
      <Section
        title="Clients"
        zone={zone}
        rows={d.clients as Table}
        action={(id) => <Disconnect id={id} />}
      />
      <Section title="Topics" rows={d.topics as Table} zone={zone} />
      <Section
        title="Stream"
        rows={{ totals: d.stream as Record<string, unknown> }}
      />
      <Section
        title="Sources"
        rows={d.sources as Table}
        zone={zone}
        action={(id) => <SourceActions id={id} />}
      />
      <Section title="Cache tiers" rows={d.cache as Table} zone={zone} />
      {Object.keys(d.alerts ?? {}).length > 0 && (
        <Section
          title="Alert rules"
          rows={d.alerts as Table}
          zone={zone}
          action={(id) => <AlertActions id={id} />}
        />
      )}
      <Section
        title="Redis and leadership"
        rows={{ now: { ...(d.redis as object), leader: d.leader } }}
      />
      <ShareLinks
        authRequired={props.authRequired}
        time={(iso) => clockTime(iso, Date.now(), zone)}
      />
    </main>
  );
}

function Section(
  { title, rows, action, zone = "UTC" }: {
    title: string;
    rows?: Table;
    /** A control at the end of each row (a client's "Disconnect"). */
    action?: (row: string) => preact.JSX.Element;
    /** The board's zone, for times. */
    zone?: string;
  },
): preact.JSX.Element {
  const entries = Object.entries(rows ?? {});
  const columns = [
    ...new Set(entries.flatMap(([, r]) => Object.keys(r ?? {}))),
  ];
  const now = Date.now();
  return (
    <section class="admin-section" aria-label={title}>
      <h2>{title}</h2>
      <div class="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">
                <span class="visually-hidden">Name</span>
              </th>
              {columns.map((c) => (
                <th key={c} scope="col" data-key={c}>{headerOf(c)}</th>
              ))}
              {action && (
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {entries.map(([name, r]) => (
              <tr key={name} data-row={name}>
                <th scope="row">{name}</th>
                {columns.map((c) => (
                  <td key={c} data-key={c}>
                    {cell(c, (r ?? {})[c], zone, now)}
                  </td>
                ))}
                {action && <td class="row-actions">{action(name)}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/**
 * A value in a cell: a series of numbers (a minute each) as a sparkline,
 * objects (a sync's progress) as "key value" pairs, scalars in words.
 */
function cell(
  key: string,
  value: unknown,
  zone: string,
  now: number,
): preact.JSX.Element | string {
  if (value === null || value === undefined) return "";
  if (typeof value !== "object") {
    return valueWords(key, value as string | number | boolean, zone, now);
  }
  if (Array.isArray(value) && value.every((v) => typeof v === "number")) {
    return <Spark values={value as number[]} />;
  }
  return Object.entries(value).map(([k, v]) =>
    `${headerOf(k).toLowerCase()} ${String(v)}`
  ).join(", ");
}

/** A small line over the last hour, its peak named for screen readers. */
function Spark(props: { values: number[] }): preact.JSX.Element {
  const { values } = props;
  const width = 90;
  const height = 24;
  const peak = Math.max(0, ...values);
  const points = values.map((v, i) =>
    `${(i / Math.max(1, values.length - 1)) * width},${
      height - 1 - (peak > 0 ? (v / peak) * (height - 2) : 0)
    }`
  ).join(" ");
  return (
    <svg
      class="spark"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`last hour, a value a minute; peak ${peak}`}
    >
      <polyline points={points} fill="none" stroke="currentColor" />
    </svg>
  );
}

/** A client's "Disconnect": closes its connection on this instance. */
function Disconnect(props: { id: string }): preact.JSX.Element {
  const said = useSignal("");
  const act = async () => {
    const res = await fetch(
      `/api/admin/connections/${encodeURIComponent(props.id)}/disconnect`,
      { method: "POST" },
    ).catch((error: Error) => error);
    if (res instanceof Error) said.value = res.message;
    else {
      const body = await res.json().catch(() => ({}));
      said.value = res.ok
        ? "closed"
        : body?.error?.message ?? `refused (${res.status})`;
    }
  };
  return (
    <span class="client-action">
      <button type="button" onClick={act}>Disconnect</button>{" "}
      <output>{said.value}</output>
    </span>
  );
}
