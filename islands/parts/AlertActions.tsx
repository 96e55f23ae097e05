/**
 * An alert rule's console action, in its row of the Alert rules table on
 * `/admin`: "Send test", posted to `/api/admin/alerts/:id/test`, and how
 * each of the rule's channels took it.
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
  return (
    <span class="alert-actions" data-alert-actions={id}>
      <button type="button" aria-label={`Send a test of ${id}`} onClick={test}>
        Send test
      </button>{" "}
      <output>{said.value}</output>
    </span>
  );
}
