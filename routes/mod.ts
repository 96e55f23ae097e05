/**
 * The HTTP application: every route, and the one error boundary that turns
 * failures into PROTOCOL.md's JSON errors.
 */
import { Hono } from "hono";
import {
  hostPolicy,
  HttpError,
  isClientError,
  originPolicy,
  toResponse,
} from "@/lib/http/mod.ts";
import { allowedHosts, cors, requestIds, securityHeaders } from "./security.ts";
import {
  bodyLimit,
  forwardedHeaders,
  requestSlots,
  routeLimits,
} from "./limits.ts";
import {
  loginPage,
  loginSubmit,
  logoutSubmit,
  requireAuth,
  ticketRoute,
} from "./auth.ts";
import { viewerLinkRoute, viewRoute } from "./viewer_links.ts";
import { snapshotRoute } from "./api/snapshot.ts";
import { healthRoute } from "./api/health.ts";
import { alertsRoute } from "./api/alerts.ts";
import { adminActionRoute } from "./api/admin_actions.ts";
import { historyRoute } from "./api/history.ts";
import { metricsRoute } from "./metrics.ts";
import { pollRoute } from "./api/poll.ts";
import { sseRoute } from "./api/sse.ts";
import { wsRoute } from "./api/ws.ts";
import { ingestRoute } from "./api/ingest.ts";
import type { AppDeps } from "./deps.ts";
import { indexRoute } from "./index.tsx";
import { adminRoute } from "./admin.tsx";
import { staticRoute } from "./static.ts";

export type { AppDeps } from "./deps.ts";
export { readIslandScript } from "./island_script.ts";
export {
  listen,
  type Listener,
  ListenError,
  type ListenOptions,
  openFilesLimit,
} from "./listener.ts";
export {
  LOCAL_BUS_VARIABLE,
  type SuperviseOptions,
  superviseWorkers,
  WORKER_INDEX_VARIABLE,
  workerSlot,
} from "./worker_processes.ts";

/**
 * Builds the application over the parts `main.ts` made.
 *
 * @param deps The hub, clock, config and the rest.
 * @returns A Hono app whose `fetch` serves every route.
 */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const origins = originPolicy(deps.config.allowedOrigins);
  const hosts = deps.hosts ?? hostPolicy([]);
  const limits = routeLimits(deps.config, deps.clock, deps.openFilesLimit);
  app.use("*", allowedHosts(hosts, deps.onRefused));
  app.use("*", forwardedHeaders(deps.config.trustProxy));
  app.use("*", requestSlots(limits.requests));
  app.use("*", bodyLimit(deps.config.maxBodyBytes));
  app.use("*", requestIds());
  app.use("*", securityHeaders());
  app.use("/api/*", cors(origins));
  app.use("/api/*", requireAuth(deps, limits.authFailures));
  app.use("/metrics", requireAuth(deps, limits.authFailures));
  const serveStatic = staticRoute(deps);

  app.get("/", indexRoute(deps, limits.authFailures));
  app.get("/admin", adminRoute(deps, limits.authFailures));
  app.get("/login", loginPage());
  app.post("/login", loginSubmit(deps, limits.authFailures, origins));
  app.post("/logout", logoutSubmit(origins));
  app.post("/api/ticket", ticketRoute(deps, limits.authFailures));
  app.post("/api/viewer-links", viewerLinkRoute(deps));
  app.get("/view", viewRoute(deps));
  app.get("/api/snapshot", snapshotRoute(deps));
  app.get("/api/ws", wsRoute(deps, origins, limits));
  app.get("/api/sse", sseRoute(deps, limits));
  app.get("/api/poll", pollRoute(deps, limits));
  app.get("/api/history", historyRoute(deps, limits.history));
  app.get("/api/health", healthRoute(deps, limits.authFailures));
  app.get("/api/alerts", alertsRoute(deps));
  app.post("/api/admin/:kind/:id/:action", adminActionRoute(deps, origins));
  app.post("/api/ingest/:source", ingestRoute(deps));
  app.get("/metrics", metricsRoute(deps));
  app.on(["GET", "HEAD"], "/static/*", async (c, next) => {
    const response = await serveStatic(c);
    if (response) return response;
    await next();
  });

  app.notFound((c) =>
    toResponse(
      new HttpError(
        404,
        "bad_request",
        `no route for ${c.req.method} ${c.req.path}; the endpoints are listed in docs/protocol.md`,
      ),
    )
  );
  app.onError((error, c) => {
    // A 503 the server chose (shutting down, a source's breaker open) is
    // an answer, not a failure: at shutdown every parked poll gets one.
    const chosen = error instanceof HttpError && error.status === 503;
    if (chosen) {
      deps.log.debug("request answered unavailable", {
        method: c.req.method,
        path: c.req.path,
        requestId: c.get("requestId" as never),
        reason: error.message,
      });
    } else if (!isClientError(error)) {
      deps.log.error("request failed", {
        method: c.req.method,
        path: c.req.path,
        requestId: c.get("requestId" as never),
        error,
      });
    }
    return toResponse(error);
  });
  return app;
}
