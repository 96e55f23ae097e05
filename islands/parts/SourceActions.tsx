/**
 * The console's actions on each source, under the Sources table of
 * `/admin`: "Read now" and "Reset breaker", posted to
 * `/api/admin/sources/:id/...` (same-origin, with the page's session), and
 * what the server answered.
 */
import { useSignal } from "@preact/signals";

/** The buttons for each source id. */
export function SourceActions(
  props: { sources: readonly string[] },
): preact.JSX.Element | null {
  const said = useSignal<Record<string, string>>({});
  if (props.sources.length === 0) return null;
  const act = async (id: string, action: "read" | "reset-breaker") => {
    said.value = { ...said.value, [id]: "asking..." };
    try {
      const res = await fetch(
        `/api/admin/sources/${encodeURIComponent(id)}/${action}`,
        { method: "POST" },
      );
      const body = await res.json().catch(() => ({}));
      said.value = {
        ...said.value,
        [id]: res.ok
          ? `${action === "read" ? "read asked" : "breaker reset"} at ${
            new Date().toLocaleTimeString()
          }`
          : body?.error?.message ?? `refused (${res.status})`,
      };
    } catch (error) {
      said.value = { ...said.value, [id]: (error as Error).message };
    }
  };
  return (
    <ul class="source-actions" aria-label="Source actions">
      {props.sources.map((id) => (
        <li key={id} data-actions={id}>
          <strong>{id}</strong>{" "}
          <button type="button" onClick={() => act(id, "read")}>
            Read now
          </button>{" "}
          <button type="button" onClick={() => act(id, "reset-breaker")}>
            Reset breaker
          </button>{" "}
          <output>{said.value[id] ?? ""}</output>
        </li>
      ))}
    </ul>
  );
}
