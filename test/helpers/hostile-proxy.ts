import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

// A man in the middle between dmshare and an emulator: it passes requests on, and for the
// routes a test names it changes the answer (another link, an HTML page, a redirect, a
// header pointing elsewhere) or answers itself (never, a byte at a time, 100 MB). The
// emulators stay faithful to the real APIs; what a hostile or broken network does is here.

export interface ProxyReply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

type Takeover = (request: SeenRequest, response: ServerResponse) => void;

export interface Tamper {
  /** The request path (without the query) this applies to, or a pattern it matches. */
  route: string | RegExp;
  /** How many matching requests it applies to (default: all). */
  times?: number;
  /** Changes the emulator's answer. */
  rewrite?: (upstream: ProxyReply, request: SeenRequest) => ProxyReply;
  /** Answers without asking the emulator. */
  respond?: Takeover;
}

export interface HostileServer {
  url: string;
  /** Every request that arrived, in order. */
  requests: SeenRequest[];
  tamper(tamper: Tamper): void;
  clear(): void;
  close(): Promise<void>;
}

const HOP_HEADERS = ["content-length", "transfer-encoding", "connection", "content-encoding"];

/** Starts a proxy to `target` (an emulator's base URL) on a free port. */
export async function startHostileProxy(target: string): Promise<HostileServer> {
  let self = "";
  const proxy = await startServer(async (seen, response, tampers) => {
    const tamper = take(tampers, seen.path);
    if (tamper?.respond) return tamper.respond(seen, response);
    const upstream = await fetch(`${target}${seen.path}${seen.query}`, {
      method: seen.method,
      headers: Object.fromEntries(
        Object.entries(seen.headers).flatMap(([name, value]) =>
          name === "host" || HOP_HEADERS.includes(name) || value === undefined
            ? []
            : [[name, String(value)]],
        ),
      ),
      body: seen.method === "GET" || seen.method === "HEAD" ? undefined : seen.body,
      redirect: "manual",
    });
    let reply: ProxyReply = {
      status: upstream.status,
      headers: Object.fromEntries(
        [...upstream.headers]
          .filter(([name]) => !HOP_HEADERS.includes(name))
          // The emulator's own upload URLs point back through the proxy, as a client expects.
          .map(([name, value]) => [
            name,
            name === "location" ? value.replace(target, self) : value,
          ]),
      ),
      body: Buffer.from(await upstream.arrayBuffer()),
    };
    if (tamper?.rewrite) reply = tamper.rewrite(reply, seen);
    response.writeHead(reply.status, { ...reply.headers, "content-length": reply.body.length });
    response.end(reply.body);
  });
  self = proxy.url;
  return proxy;
}

/** A server somewhere else: it records what arrives (an Authorization header…) and says 200. */
export function startRecordingServer(): Promise<HostileServer> {
  return startServer((_seen, response) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.end("{}");
  });
}

function take(tampers: (Tamper & { left: number })[], path: string) {
  const found = tampers.find(
    (tamper) =>
      (typeof tamper.route === "string" ? tamper.route === path : tamper.route.test(path)) &&
      tamper.left > 0,
  );
  if (found) found.left -= 1;
  return found;
}

function startServer(
  handle: (
    seen: SeenRequest & { query: string },
    response: ServerResponse,
    tampers: (Tamper & { left: number })[],
  ) => void | Promise<void>,
): Promise<HostileServer> {
  const requests: SeenRequest[] = [];
  let tampers: (Tamper & { left: number })[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const url = new URL(request.url ?? "/", "http://proxy");
      const seen = {
        method: request.method ?? "GET",
        path: url.pathname,
        headers: request.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(seen);
      Promise.resolve(handle({ ...seen, query: url.search }, response, tampers)).catch(
        (error: unknown) => {
          response.destroy(error as Error);
        },
      );
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        tamper: (tamper) =>
          tampers.push({ ...tamper, left: tamper.times ?? Number.POSITIVE_INFINITY }),
        clear: () => {
          tampers = [];
        },
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** A JSON body rewritten by `change`. */
export const rewriteJson =
  (change: (body: Record<string, unknown>) => unknown) =>
  (upstream: ProxyReply): ProxyReply => ({
    ...upstream,
    body: Buffer.from(JSON.stringify(change(JSON.parse(upstream.body.toString("utf8"))))),
  });
