/**
 * A real SMTP server on loopback (npm smtp-server) for alert email: it
 * offers STARTTLS with the test certificate in `tls/` (signed by the test
 * CA there), requires a login, records every message with whether the
 * session was encrypted, and can refuse the next messages with a
 * temporary (4xx) or permanent (5xx) reply.
 */
// @ts-types="npm:@types/smtp-server@3.5.13"
import { SMTPServer } from "smtp-server";

const TLS = new URL("./tls/", import.meta.url);

/** One message as the server received it. */
export interface Mail {
  /** The raw message (headers and body). */
  raw: string;
  /** Whether the session was encrypted when it was sent. */
  secure: boolean;
  /** The user that logged in. */
  user: string;
  /** When it arrived, performance.now(). */
  at: number;
}

/** A running SMTP server. */
export interface SmtpServer extends AsyncDisposable {
  port: number;
  /** `smtp://alerts:secret@127.0.0.1:<port>`. */
  url: string;
  /** The test CA's certificate file, for a channel's `caFile`. */
  caFile: string;
  mails: Mail[];
  /** Refuses the next messages with these replies (then accepts). */
  refuse(...codes: number[]): void;
}

/** Starts the server. */
export async function startSmtpServer(): Promise<SmtpServer> {
  const mails: Mail[] = [];
  const refusals: number[] = [];
  const server = new SMTPServer({
    name: "localhost",
    key: await Deno.readTextFile(new URL("server.key", TLS)),
    cert: await Deno.readTextFile(new URL("server.pem", TLS)),
    authMethods: ["PLAIN", "LOGIN"],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === "alerts" && auth.password === "secret") {
        callback(null, { user: auth.username });
      } else callback(new Error("Invalid username or password"));
    },
    onData(stream, session, callback) {
      let raw = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => raw += chunk);
      stream.on("end", () => {
        const code = refusals.shift();
        if (code) {
          const error = new Error(
            code < 500 ? "try again later" : "mailbox unavailable",
          ) as Error & { responseCode: number };
          error.responseCode = code;
          callback(error);
          return;
        }
        mails.push({
          raw,
          secure: session.secure,
          user: String(session.user),
          at: performance.now(),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve())
  );
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    url: `smtp://alerts:secret@127.0.0.1:${port}`,
    caFile: new URL("ca.pem", TLS).pathname,
    mails,
    refuse: (...codes) => void refusals.push(...codes),
    async [Symbol.asyncDispose]() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A header's value in a raw message (unfolded). */
export function header(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, " ");
  const line = head.split(/\r?\n/).find((l) =>
    l.toLowerCase().startsWith(`${name.toLowerCase()}:`)
  );
  return line?.slice(name.length + 1).trim();
}
