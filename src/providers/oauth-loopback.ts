import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Ctx } from "../context.ts";
import { authError, interruptedError, usageError } from "../lib/errors.ts";

export interface LoopbackOptions {
  /** 0 picks a free port (Google); Dropbox needs the registered one. */
  port: number;
  /** What the user registered, for the error when the port is taken. */
  providerLabel: string;
  timeoutMs: number;
  signal: AbortSignal;
}

export interface LoopbackReceiver {
  redirectUri: string;
  state: string;
  /** Resolves with the authorization code of the one request that carries the right state. */
  code: Promise<string>;
  close(): void;
}

export const newOAuthState = () => randomBytes(24).toString("base64url");

const page = (title: string, body: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title>` +
  `<body style="font-family:sans-serif;max-width:32em;margin:4em auto"><h1>${title}</h1><p>${body}</p></body>`;

/**
 * A one-shot HTTP listener on 127.0.0.1 for the OAuth redirect. Only a GET of "/" with this
 * login's `state` ends it; any other request gets an error page and the listener waits on.
 */
export async function receiveOAuthRedirect(options: LoopbackOptions): Promise<LoopbackReceiver> {
  const state = newOAuthState();
  let settle: { resolve: (code: string) => void; reject: (error: Error) => void } | undefined;
  const code = new Promise<string>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Loaded here, at a login: importing node:http loads undici, which no other command needs.
  const { createServer } = await import("node:http");
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const answer = (status: number, title: string, body: string) =>
      response
        .writeHead(status, { "content-type": "text/html; charset=utf-8", connection: "close" })
        .end(page(title, body));
    const params = url.searchParams;
    // Anything but the browser coming back with this login's state (a favicon request, a
    // port scan, `curl -I`, an old or forged link) gets an error page and changes nothing:
    // the login goes on waiting for the real redirect.
    if (request.method !== "GET" || url.pathname !== "/") {
      answer(404, "Not found", "This is dmshare's login page; there is nothing else here.");
      return;
    }
    if (params.get("state") !== state) {
      answer(
        400,
        "Not this login",
        "This login link is not the one dmshare started. Finish the login in the window dmshare opened, or run dmshare login again.",
      );
      return;
    }
    if (params.has("error")) {
      const reason = params.get("error_description") || params.get("error") || "denied";
      answer(400, "Login cancelled", "dmshare was not given access. You can close this tab.");
      settle?.reject(
        authError(
          `${options.providerLabel} login was not completed: ${reason}.`,
          "Run dmshare login again and press Allow.",
        ),
      );
      return;
    }
    const received = params.get("code");
    if (!received) {
      answer(400, "Login failed", "The redirect carried no code. dmshare is still waiting.");
      return;
    }
    answer(200, "dmshare is logged in", "You can close this tab and go back to the terminal.");
    settle?.resolve(received);
  });

  await listen(server, options);

  const timer = setTimeout(
    () =>
      settle?.reject(
        authError(
          `No answer from the ${options.providerLabel} login page within ${Math.round(options.timeoutMs / 1000)} s.`,
          "Run dmshare login again and finish in the browser; --timeout SECONDS waits longer.",
        ),
      ),
    options.timeoutMs,
  );
  const onAbort = () => settle?.reject(interruptedError("the login was not finished."));
  options.signal.addEventListener("abort", onAbort, { once: true });
  const close = () => {
    clearTimeout(timer);
    options.signal.removeEventListener("abort", onAbort);
    server.close();
    server.closeAllConnections();
  };
  code.then(close, close);
  const { port } = server.address() as AddressInfo;
  return { redirectUri: `http://127.0.0.1:${port}/`, state, code, close };
}

/** Listens on 127.0.0.1; a port in use is the user's to free (or to change). */
function listen(server: Server, options: LoopbackOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? usageError(
              `Port ${options.port} on 127.0.0.1 is in use, so dmshare can't receive the ${options.providerLabel} login.`,
              "Close what uses it, or pass --port N (and register that redirect URI with your app), or use --no-redirect.",
            )
          : error,
      );
    });
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
}

/** Opens the login page in the browser when wanted; false when not wanted or not possible. */
export async function openIfWanted(ctx: Ctx, url: string, wanted: boolean): Promise<boolean> {
  if (!wanted) return false;
  try {
    await ctx.openUrl(url);
    return true;
  } catch {
    return false;
  }
}
