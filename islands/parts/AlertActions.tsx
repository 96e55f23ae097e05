/**
 * An alert rule's console actions, in its row of the Alert rules table on
 * `/admin`: "Send test" (`/api/admin/alerts/:id/test`, with how each of
 * the rule's channels took it), "Acknowledge" (no reminders for the
 * episode firing now) and "Silence" for a while or "Lift silence"
 * (`.../silence`), and what the server answered.
 */
import { useSignal } from "@preact/signals";

/** The button for one rule. */
export function AlertActions(props: { id: string }): preact.JSX.Element {
  const said = useSignal("");
  const { id } = props;
  const test = async () => {
    said.value = "sending...";
    try {
      const res = await fetch(
        `/api/admin/alerts/${encodeURIComponent(id)}/test`,
        { method: "POST" },
      );
      const body = await res.json().catch(() => ({}));
      if (!res.ok) {
        said.value = body?.error?.message ?? `refused (${res.status})`;
        return;
      }
      const results = body.results as {
        channel: string;
        ok: boolean;
        error?: string;
      }[];
      said.value = results.length === 0
        ? "this rule notifies no channel (the board only)"
        : results.map((r) =>
          `${r.channel}: ${r.ok ? "sent" : `failed (${r.error ?? "?"})`}`
        ).join("; ");
    } catch (error) {
      said.value = (error as Error).message;
    }
  };
  const post = async (
    action: "silence" | "acknowledge",
    body: unknown,
    done: string,
  ) => {
    said.value = "asking...";
    try {
      const res = await fetch(
        `/api/admin/alerts/${encodeURIComponent(id)}/${action}`,
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        },
      );
      const answer = await res.json().catch(() => ({}));
      said.value = res.ok
        ? done
        : answer?.error?.message ?? `refused (${res.status})`;
    } catch (error) {
      said.value = (error as Error).message;
    }
  };
  const minutes = useSignal(60);
  return (
    <span class="alert-actions" data-alert-actions={id}>
      <button type="button" aria-label={`Send a test of ${id}`} onClick={test}>
        Send test
      </button>
      <button
        type="button"
        aria-label={`Acknowledge ${id}`}
        onClick={() => post("acknowledge", {}, "acknowledged: no reminders")}
      >
        Acknowledge
      </button>
      <select
        aria-label={`How long to silence ${id}`}
        onChange={(e) =>
          minutes.value = Number((e.currentTarget as HTMLSelectElement).value)}
      >
        <option value="15">15 min</option>
        <option value="60" selected>1 h</option>
        <option value="240">4 h</option>
        <option value="1440">24 h</option>
      </select>
      <button
        type="button"
        aria-label={`Silence ${id}`}
        onClick={() =>
          post(
            "silence",
            { minutes: minutes.value },
            `silenced for ${
              minutes.value >= 60
                ? `${minutes.value / 60} h`
                : `${minutes.value} min`
            }`,
          )}
      >
        Silence
      </button>
      <button
        type="button"
        aria-label={`Lift the silence of ${id}`}
        onClick={() => post("silence", { minutes: 0 }, "silence lifted")}
      >
        Lift silence
      </button>{" "}
      <output>{said.value}</output>
    </span>
  );
}
