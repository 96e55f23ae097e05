/**
 * A source's console actions, in its row of the Sources table on
 * `/admin`: "Read now" and "Reset breaker", posted to
 * `/api/admin/sources/:id/...` (same-origin, with the page's session), and
 * what the server answered.
 */
import { useSignal } from "@preact/signals";

/** The buttons for one source. */
export function SourceActions(props: { id: string }): preact.JSX.Element {
  const said = useSignal("");
  const { id } = props;
  const act = async (action: "read" | "reset-breaker") => {
    said.value = "asking...";
    try {
      const res = await fetch(
        `/api/admin/sources/${encodeURIComponent(id)}/${action}`,
        { method: "POST" },
      );
      const body = await res.json().catch(() => ({}));
      said.value = res.ok
        ? `${action === "read" ? "read asked" : "breaker reset"} at ${
          new Date().toLocaleTimeString("en-GB", { hourCycle: "h23" })
        }`
        : body?.error?.message ?? `refused (${res.status})`;
    } catch (error) {
      said.value = (error as Error).message;
    }
  };
  return (
    <span class="source-actions" data-actions={id}>
      <button
        type="button"
        aria-label={`Read ${id} now`}
        onClick={() => act("read")}
      >
        Read now
      </button>{" "}
      <button
        type="button"
        aria-label={`Reset the breaker of ${id}`}
        onClick={() => act("reset-breaker")}
      >
        Reset breaker
      </button>{" "}
      <output>{said.value}</output>
    </span>
  );
}
