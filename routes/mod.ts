/**
 * The HTTP application: every route, and the one error boundary that turns
 * failures into PROTOCOL.md's JSON errors.
 */
import { type Context, Hono } from "hono";
import {
  hostPolicy,
  HttpError,
  isClientError,
  originPolicy,
  toResponse,
} from "@/lib/http/mod.ts";
import { routeLimits } from "./limits.ts";
import { gateway, type Route } from "./gateway.ts";
import {
  authorizer,
  loginPage,
  loginSubmit,
  logoutSubmit,
  ticketRoute,
} from "./auth.ts";
import {
  viewerLinkRevokeRoute,
  viewerLinkRoute,
  viewerLinksListRoute,
  viewRoute,
} from "./viewer_links.ts";
import { snapshotRoute } from "./api/snapshot.ts";
import { healthRoute } from "./api/health.ts";
import { alertsRoute } from "./api/alerts.ts";
import { adminActionRoute } from "./api/admin_actions.ts";
import { historyRoute } from "./api/history.ts";
import { transactionsRoute } from "./api/transactions.ts";
import { projectionRoute } from "./api/projection.ts";
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
export { type ProcessLimits, processLimits } from "./limits.ts";
export {
  listen,
  type Listener,
  ListenError,
  type ListenOptions,
  openFilesLimit,
} from "./listener.ts";
export {
  LOCAL_BUS_VARIABLE,
  type OrphanOptions,
  serveAsWorker,
  stopWhenOrphaned,
  type SuperviseOptions,
  superviseWorkers,
  WORKER_INDEX_VARIABLE,
  WORKER_VARIABLES,
  workerPlace,
  workerSlot,
} from "./worker_processes.ts";
export {
  HEARTBEAT_TOKEN_VARIABLE,
  HEARTBEAT_VARIABLE,
} from "./worker_heartbeats.ts";
export { reportStartFailure } from "./start_failure.ts";

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
  const limits = routeLimits(deps.config, deps.clock, {
    ...(deps.openFilesLimit !== undefined
      ? { openFiles: deps.openFilesLimit }
      : {}),
    ...(deps.memory ? { memory: deps.memory } : {}),
    ...(deps.onStreamRefused ? { onStreamRefused: deps.onStreamRefused } : {}),
  });
  const answerError = errorAnswer(deps);
  const gated = gateway({
    hosts,
    trustProxy: deps.config.trustProxy,
    requests: limits.requests,
    maxBodyBytes: deps.config.maxBodyBytes,
    origins,
    authorize: authorizer(deps, limits.authFailures),
    answerError,
    onRefused: deps.onRefused,
  });
  const serveStatic = staticRoute(deps);
  const notFound: Route = (c) =>
    toResponse(
      new HttpError(
        404,
        "bad_request",
        `no route for ${c.req.method} ${c.req.path}; the endpoints are listed in docs/protocol.md`,
      ),
    );

  // Each route is one handler behind the gateway, and no app.use: see
  // gateway.ts for why.
  app.get("/", gated(indexRoute(deps, limits.authFailures)));
  app.get("/admin", gated(adminRoute(deps, limits.authFailures)));
  app.get("/login", gated(loginPage()));
  app.post("/login", gated(loginSubmit(deps, limits.authFailures, origins)));
  app.post("/logout", gated(logoutSubmit(origins)));
  app.post("/api/ticket", gated(ticketRoute(deps, limits.authFailures)));
  app.post("/api/viewer-links", gated(viewerLinkRoute(deps, origins)));
  app.get("/api/viewer-links", gated(viewerLinksListRoute(deps)));
  app.delete(
    "/api/viewer-links/:id",
    gated(viewerLinkRevokeRoute(deps, origins)),
  );
  app.get("/view", gated(viewRoute(deps)));
  app.get("/api/snapshot", gated(snapshotRoute(deps)));
  app.get("/api/ws", gated(wsRoute(deps, origins, limits)));
  app.get("/api/sse", gated(sseRoute(deps, limits)));
  app.get("/api/poll", gated(pollRoute(deps, limits)));
  app.get("/api/history", gated(historyRoute(deps, limits.history)));
  app.get(
    "/api/transactions",
    gated(transactionsRoute(deps, limits.history)),
  );
  app.get("/api/projection", gated(projectionRoute(deps, limits.history)));
  app.get("/api/health", gated(healthRoute(deps, limits.authFailures)));
  app.get("/api/alerts", gated(alertsRoute(deps)));
  app.post(
    "/api/admin/:kind/:id/:action",
    gated(adminActionRoute(deps, origins)),
  );
  app.post("/api/ingest/:source", gated(ingestRoute(deps)));
  app.get("/metrics", gated(metricsRoute(deps)));
  app.on(
    ["GET", "HEAD"],
    "/static/*",
    gated(async (c) => await serveStatic(c) ?? notFound(c)),
  );
  // Everything else (a preflight too) meets the gateway on its way to 404.
  app.notFound(gated(notFound));
  app.onError(answerError);
  return app;
}

/**
 * The error boundary: an error becomes PROTOCOL.md's JSON error, logged
 * unless the client caused it.
 */
function errorAnswer(deps: AppDeps): (error: unknown, c: Context) => Response {
  return function answerError(error: unknown, c: Context): Response {
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
  };
}
export {
  type CommandLineOptions,
  runCommandLine,
  type RunningServer,
  type StartOptions,
} from "./command_line.ts";
