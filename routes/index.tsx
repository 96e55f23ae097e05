/**
 * `GET /`: the dashboard, rendered on the server from the hub's current
 * `pnl` snapshot (a page without JavaScript shows real figures), then
 * hydrated by the LiveBoard island.
 */
import type { Context } from "hono";
import { renderToString } from "preact-render-to-string";
import { IslandHost } from "@/components/IslandHost.tsx";
import { Page } from "@/components/Page.tsx";
import LiveBoard, { type LiveBoardProps } from "@/islands/LiveBoard.tsx";
import { periodFrom } from "@/islands/parts/period_view.ts";
import type { PnlState } from "@/lib/aggregate/mod.ts";
import type { FailureLimiter } from "@/lib/security/mod.ts";
import { credential, loginUrl } from "./auth.ts";
import type { AppDeps } from "./deps.ts";

/** Builds the dashboard page handler. */
export function indexRoute(
  deps: AppDeps,
  failures: FailureLimiter,
): (c: Context) => Promise<Response> {
  return async function index(c: Context): Promise<Response> {
    const principal = await credential(deps, failures, c, false);
    if (deps.auth.enabled && !principal) {
      return new Response(null, {
        status: 303,
        headers: {
          location: loginUrl(
            new URL(c.req.url).search ? `/${new URL(c.req.url).search}` : "/",
          ),
          "cache-control": "no-store",
        },
      });
    }
    const { envelope } = deps.hub.snapshot("pnl");
    const forced = c.req.query("transport");
    const props: LiveBoardProps = {
      ...(c.req.query("kiosk") !== undefined ? { kiosk: true } : {}),
      ...(rotateSeconds(c.req.query("rotate")) !== undefined
        ? { rotateS: rotateSeconds(c.req.query("rotate"))! }
        : {}),
      // Operators get a link to /admin; a viewer link's holder does not.
      ...(principal?.role === "operator" ? { operator: true } : {}),
      ...(forced === "ws" || forced === "sse" || forced === "poll"
        ? { forceTransport: forced }
        : {}),
      topic: "pnl",
      ...(c.req.query("period") !== undefined
        ? { period: periodFrom(c.req.query("period")) }
        : {}),
      ...(deps.title ? { title: deps.title } : {}),
      renderedAt: deps.clock.now(),
      authRequired: deps.auth.enabled,
      heartbeatMs: deps.stream.heartbeatMs,
      health: (({ status, reasons }) => ({ status, reasons }))(deps.health()),
      epoch: envelope.epoch,
      seq: envelope.seq,
      data: envelope.data as PnlState,
    };
    const html = renderToString(
      <Page title={deps.title ?? "Pulseboard"} islandScript={deps.islandScript}>
        <IslandHost name="LiveBoard" id="0" props={props}>
          <LiveBoard {...props} />
        </IslandHost>
      </Page>,
    );
    return c.html(`<!DOCTYPE html>${html}`, 200, {
      "cache-control": "no-store",
    });
  };
}

/**
 * `?rotate=S`: a wall screen steps through the periods every S seconds
 * (10 to 3600); anything else is no rotation.
 */
function rotateSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const s = /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  return s >= 10 && s <= 3600 ? s : undefined;
}
