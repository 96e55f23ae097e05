/**
 * `GET /admin`: the operator page, rendered from the hub's `admin` snapshot
 * and kept live by the AdminBoard island. Behind the same credentials as
 * the dashboard.
 */
import type { Context } from "hono";
import { renderToString } from "preact-render-to-string";
import { IslandHost } from "@/components/IslandHost.tsx";
import { Page } from "@/components/Page.tsx";
import AdminBoard, { type AdminBoardProps } from "@/islands/AdminBoard.tsx";
import type { FailureLimiter } from "@/lib/security/mod.ts";
import { credential, loginUrl } from "./auth.ts";
import { OPERATORS_ONLY_PAGE } from "./auth_pages.ts";
import type { AppDeps } from "./deps.ts";
import { isPnlState, type PnlState } from "@/lib/protocol/mod.ts";

/** Builds the operator page handler. */
export function adminRoute(
  deps: AppDeps,
  failures: FailureLimiter,
): (c: Context) => Promise<Response> {
  return async function admin(c: Context): Promise<Response> {
    const principal = deps.auth.enabled
      ? await credential(deps, failures, c, false)
      : undefined;
    if (deps.auth.enabled && !principal) {
      return new Response(null, {
        status: 303,
        headers: { location: loginUrl("/admin"), "cache-control": "no-store" },
      });
    }
    if (principal?.role === "viewer") {
      return c.html(OPERATORS_ONLY_PAGE, 403, { "cache-control": "no-store" });
    }
    const { envelope } = deps.hub.snapshot("admin");
    const props: AdminBoardProps = {
      epoch: envelope.epoch,
      seq: envelope.seq,
      data: envelope.data,
      authRequired: deps.auth.enabled,
      heartbeatMs: deps.stream.heartbeatMs,
      ...(isPnlState(deps.hub.state("pnl"))
        ? { zone: (deps.hub.state("pnl") as PnlState).timezone }
        : {}),
    };
    const html = renderToString(
      <Page title="Pulseboard operator" islandScript={deps.islandScript}>
        <IslandHost name="AdminBoard" id="0" props={props}>
          <AdminBoard {...props} />
        </IslandHost>
      </Page>,
    );
    return c.html(`<!DOCTYPE html>${html}`, 200, {
      "cache-control": "no-store",
    });
  };
}
