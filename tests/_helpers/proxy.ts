/**
 * A reverse proxy on 127.0.0.1 that can misbehave like real ones do: strip
 * WebSocket upgrades, refuse SSE, or buffer SSE (never forwarding a byte
 * until the stream ends). Used to prove the client's transport fallback.
 */

/** Switches, changeable while the proxy runs. */
export interface ProxyMode {
  /** Answer WebSocket upgrades as a proxy that drops `Upgrade` would. */
  blockUpgrade: boolean;
  /** Answer `/api/sse` with 502. */
  blockSse: boolean;
  /** Hold `/api/sse` responses, forwarding nothing (a buffering proxy). */
  bufferSse: boolean;
}

/** A running proxy. */
export interface TestProxy extends AsyncDisposable {
  /** Its base URL. */
  url: string;
  /** The switches. */
  mode: ProxyMode;
  /** Drops every proxied WebSocket and held stream, as a network blip would. */
  dropConnections(): void;
}

/** Starts a proxy in front of `target`. */
export function startProxy(
  target: string,
  mode: Partial<ProxyMode> = {},
): Promise<TestProxy> {
  const state: ProxyMode = {
    blockUpgrade: false,
    blockSse: false,
    bufferSse: false,
    ...mode,
  };
  const open = new Set<{ close(): void }>();
  const handler = async (req: Request): Promise<Response> => {
    const incoming = new URL(req.url);
    const upstream = new URL(incoming.pathname + incoming.search, target);
    if (req.headers.get("upgrade")?.toLowerCase() === "websocket") {
      if (state.blockUpgrade) {
        // The upgrade headers are dropped: the server sees a plain GET.
        const res = await fetch(upstream, { signal: req.signal });
        return new Response(res.body, {
          status: res.status,
          headers: res.headers,
        });
      }
      upstream.protocol = "ws:";
      const { socket, response } = Deno.upgradeWebSocket(req);
      const back = new WebSocket(upstream);
      const pending: string[] = [];
      const link = { close: () => back.close() };
      open.add(link);
      back.onopen = () => {
        for (const m of pending.splice(0)) back.send(m);
      };
      back.onmessage = (e) =>
        socket.readyState === WebSocket.OPEN && socket.send(e.data);
      back.onclose = (e) => {
        open.delete(link);
        if (socket.readyState === WebSocket.OPEN) {
          socket.close(e.code === 1005 ? 1000 : e.code, e.reason);
        }
      };
      socket.onmessage = (e) =>
        back.readyState === WebSocket.OPEN
          ? back.send(e.data)
          : pending.push(e.data);
      socket.onclose = () => back.readyState <= WebSocket.OPEN && back.close();
      return response;
    }
    if (incoming.pathname === "/api/sse") {
      if (state.blockSse) return new Response("bad gateway", { status: 502 });
      if (state.bufferSse) {
        // Headers go out, then nothing: the proxy waits for the whole body.
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            const link = { close: () => controller.close() };
            open.add(link);
            req.signal.addEventListener("abort", () => open.delete(link));
          },
        });
        return new Response(body, {
          headers: { "content-type": "text/event-stream" },
        });
      }
    }
    const res = await fetch(upstream, {
      headers: req.headers,
      signal: req.signal,
    });
    return new Response(res.body, { status: res.status, headers: res.headers });
  };
  const { promise, resolve } = Promise.withResolvers<TestProxy>();
  const server = Deno.serve(
    {
      hostname: "127.0.0.1",
      port: 0,
      onListen: ({ port }) =>
        resolve({
          url: `http://127.0.0.1:${port}/`,
          mode: state,
          dropConnections() {
            for (const link of [...open]) link.close();
          },
          async [Symbol.asyncDispose]() {
            for (const link of [...open]) link.close();
            await server.shutdown();
          },
        }),
    },
    (req) =>
      handler(req).catch(() =>
        new Response("upstream failed", { status: 502 })
      ),
  );
  return promise;
}
