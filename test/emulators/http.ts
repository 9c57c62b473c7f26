// Provider-neutral plumbing for the local API emulators: one node:http server on 127.0.0.1 that
// reads each request body (streamed or not), records the exchange, injects faults, throttles
// request bodies, and hands everything else to a provider handler.

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import type { ParseArgsOptionsConfig } from "node:util";

export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Only the headers the provider asked to log, lower-cased names. */
  headers: Record<string, string>;
  /** The call argument as the client sent it (parsed JSON), when the request has one. */
  arg?: unknown;
  bodyBytes: number;
  /** Absent when the connection was cut instead of answered. */
  status?: number;
  /** The provider's short error description (error_summary, error code or 400 text). */
  errorSummary?: string;
  /** Faults applied to this request, e.g. `latency 200ms`, `status 429`, `cut`. */
  faults: string[];
}

/** Delays the answer; the request itself is handled at once. */
export interface LatencyFault {
  kind: "latency";
  ms: number;
}

export interface StatusFault {
  kind: "status";
  status: number;
  retryAfterSeconds?: number;
  /** Provider-specific reason, rendered into the error body by the provider. */
  reason?: string;
}

/**
 * Drops the connection. With `afterBodyBytes` the connection is dropped as soon as that many
 * request body bytes have arrived (a shorter body is dropped when it ends), so the request is
 * never handled. Without it the request is handled and the connection is dropped instead of
 * the response, as when a reply is lost on the way back.
 */
export interface CutFault {
  kind: "cut";
  afterBodyBytes?: number;
}

/**
 * Holds the answer until `until` settles; the request itself is handled at once. Lets a test
 * act while a client waits for a reply, without guessing how long the test's own steps take.
 */
export interface HoldFault {
  kind: "hold";
  until: Promise<unknown>;
}

export type FaultKind = LatencyFault | StatusFault | CutFault | HoldFault;

export type Fault<K extends FaultKind = FaultKind> = K & {
  /** Exact request path, or a pattern tested against it; every path when absent. */
  route?: string | RegExp;
  /** Only requests with this method (e.g. "POST"); every method when absent. */
  method?: string;
  /** How many matching requests the fault applies to (default 1). */
  times?: number;
  /** How many matching requests go through untouched before the fault applies (default 0). */
  skip?: number;
};

export interface Exchange {
  method: string;
  url: URL;
  headers: IncomingMessage["headers"];
  /** The body, truncated to `maxBufferedBodyBytes` (see `bodyBytes` for the real length). */
  body: Buffer;
  bodyBytes: number;
  record: RequestRecord;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface HttpEmulatorOptions {
  port?: number;
  handle: (exchange: Exchange) => Reply | Promise<Reply>;
  renderStatusFault: (fault: StatusFault) => Reply;
  loggedHeaders: string[];
  maxBufferedBodyBytes: number;
  /**
   * Where a body of a declared length may be written as it arrives (exactly that many bytes),
   * e.g. its place in a resumable upload, so that nothing is copied after its last byte.
   */
  bodyTarget?: (
    method: string,
    url: URL,
    headers: IncomingMessage["headers"],
    length: number,
  ) => Buffer | undefined;
}

interface ActiveFault {
  fault: Fault;
  remaining: number;
  toSkip: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** How long the shared uplink may have been idle and still count bytes read now as queued. */
const UPLINK_IDLE_MS = 10;

export class HttpEmulator {
  readonly requests: RequestRecord[] = [];
  /** Added to every answer. */
  latencyMs = 0;
  /** Paces request bodies, all requests sharing it like one uplink; 0 = unlimited. */
  bandwidthBytesPerSecond = 0;
  url = "";
  private readonly options: HttpEmulatorOptions;
  private readonly server = createServer((req, res) => void this.serve(req, res));
  private faults: ActiveFault[] = [];
  /** When the shared uplink has carried every body byte received so far. */
  private uplinkFreeAt = 0;

  constructor(options: HttpEmulatorOptions) {
    this.options = options;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.options.port ?? 0, "127.0.0.1", () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
  }

  inject(fault: Fault): void {
    this.faults.push({ fault, remaining: fault.times ?? 1, toSkip: fault.skip ?? 0 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private takeFaults(method: string, path: string): FaultKind[] {
    const taken: FaultKind[] = [];
    for (const active of this.faults) {
      const { route } = active.fault;
      const matches =
        (active.fault.method === undefined || active.fault.method === method) &&
        (route === undefined || (typeof route === "string" ? route === path : route.test(path)));
      if (matches && active.toSkip > 0) {
        active.toSkip -= 1;
      } else if (matches && active.remaining > 0) {
        active.remaining -= 1;
        taken.push(active.fault);
      }
    }
    this.faults = this.faults.filter((active) => active.remaining > 0);
    return taken;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const record: RequestRecord = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: this.loggedHeaders(req),
      bodyBytes: 0,
      faults: [],
    };
    this.requests.push(record);
    const faults = this.takeFaults(record.method, url.pathname);
    const cut = faults.find((fault): fault is CutFault => fault.kind === "cut");
    const status = faults.find((fault): fault is StatusFault => fault.kind === "status");
    const { socket } = req;
    const dropConnection = () => {
      record.faults.push("cut");
      socket.destroy();
    };

    const body = await this.readBody(req, url, record, cut?.afterBodyBytes);
    if (body === "aborted") return;
    if (body === "cut") {
      dropConnection();
      return;
    }
    const exchange: Exchange = {
      method: record.method,
      url,
      headers: req.headers,
      body,
      bodyBytes: record.bodyBytes,
      record,
    };
    let reply: Reply;
    if (status) {
      record.faults.push(`status ${status.status}`);
      reply = this.options.renderStatusFault(status);
    } else {
      try {
        reply = await this.options.handle(exchange);
      } catch (error) {
        reply = { status: 500, body: `Emulator failure: ${(error as Error).stack}` };
      }
    }
    const injectedLatency = faults.reduce(
      (total, fault) => total + (fault.kind === "latency" ? fault.ms : 0),
      0,
    );
    if (injectedLatency > 0) record.faults.push(`latency ${injectedLatency}ms`);
    if (this.latencyMs + injectedLatency > 0) await sleep(this.latencyMs + injectedLatency);
    for (const fault of faults) {
      if (fault.kind !== "hold") continue;
      record.faults.push("hold");
      await fault.until.catch(() => undefined);
    }
    if (cut) {
      dropConnection();
      return;
    }
    record.status = reply.status;
    const payload = reply.body ?? "";
    res.writeHead(reply.status, {
      ...reply.headers,
      "Content-Length": String(Buffer.byteLength(payload)),
    });
    res.end(payload);
  }

  private loggedHeaders(req: IncomingMessage): Record<string, string> {
    const logged: Record<string, string> = {};
    for (const name of this.options.loggedHeaders) {
      const value = req.headers[name];
      if (value !== undefined) logged[name] = Array.isArray(value) ? value.join(", ") : value;
    }
    return logged;
  }

  /**
   * Reads the whole body, pacing it to the configured bandwidth. Bytes beyond
   * `maxBufferedBodyBytes` are counted but not kept.
   */
  private async readBody(
    req: IncomingMessage,
    url: URL,
    record: RequestRecord,
    cutAfterBytes: number | undefined,
  ): Promise<Buffer | "cut" | "aborted"> {
    const chunks: Buffer[] = [];
    let buffered = 0;
    // A declared length is kept in one buffer filled as the bytes arrive: copying a big body
    // together only after its last byte would delay the answer by a copy of it all.
    const declared = Number(req.headers["content-length"]);
    const target =
      declared > 0
        ? this.options.bodyTarget?.(record.method, url, req.headers, declared)
        : undefined;
    const whole =
      target?.length === declared
        ? target
        : declared > 0 && declared <= this.options.maxBufferedBodyBytes
          ? Buffer.allocUnsafe(declared)
          : undefined;
    if (cutAfterBytes === 0) return "cut";
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        record.bodyBytes += chunk.length;
        const room = this.options.maxBufferedBodyBytes - buffered;
        if (whole) {
          buffered += chunk.copy(whole, buffered);
        } else if (room > 0) {
          const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
          chunks.push(kept);
          buffered += kept.length;
        }
        if (cutAfterBytes !== undefined && record.bodyBytes >= cutAfterBytes) return "cut";
        if (this.bandwidthBytesPerSecond > 0) {
          // Bytes read soon after the uplink's last ones were carried were waiting on the socket
          // (the emulator only reads again after its pacing pause, so it can't see them arrive):
          // they follow at once. Only an uplink idle for longer (the client paused) restarts
          // from now. (Restarting from the read's own time lost the emulator's time between two
          // reads, about 7 % of a 1 GiB upload, which npm run bench counted as the client's.)
          const now = performance.now();
          const start = now - this.uplinkFreeAt > UPLINK_IDLE_MS ? now : this.uplinkFreeAt;
          const carried = start + (chunk.length / this.bandwidthBytesPerSecond) * 1000;
          this.uplinkFreeAt = carried;
          const ahead = carried - performance.now();
          if (ahead >= 1) await sleep(ahead);
        }
      }
    } catch {
      return "aborted";
    }
    if (cutAfterBytes !== undefined) return "cut";
    return whole ? whole.subarray(0, buffered) : Buffer.concat(chunks, buffered);
  }
}

/** What every provider emulator offers besides its API: address, request log, throttles. */
export class EmulatorBase {
  /** Set by the provider emulator's constructor. */
  protected http!: HttpEmulator;

  /** http://127.0.0.1:PORT, no trailing slash. */
  get url(): string {
    return this.http.url;
  }

  get requests(): RequestRecord[] {
    return this.http.requests;
  }

  get latencyMs(): number {
    return this.http.latencyMs;
  }

  set latencyMs(ms: number) {
    this.http.latencyMs = ms;
  }

  get bandwidthBytesPerSecond(): number {
    return this.http.bandwidthBytesPerSecond;
  }

  set bandwidthBytesPerSecond(rate: number) {
    this.http.bandwidthBytesPerSecond = rate;
  }

  async listen(): Promise<void> {
    await this.http.listen();
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** A small HTML page, as consent and error pages are. */
export function htmlPage(status: number, title: string, content: string): Reply {
  return {
    status,
    headers: { "Content-Type": "text/html; charset=utf-8" },
    body: `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body>
<main>
${content}
</main>
</body>
</html>
`,
  };
}

/**
 * The command-line entry of an emulator: when `moduleUrl` is the file node was started with,
 * starts the emulator `start` builds and serves until SIGINT or SIGTERM.
 */
export function serveWhenRunDirectly(
  moduleUrl: string,
  label: string,
  start: () => Promise<{ url: string; close(): Promise<void> }>,
): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  start()
    .then((emulator) => {
      console.log(`${label} emulator listening on ${emulator.url}`);
      const stop = () => void emulator.close();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    })
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    });
}

/** The command-line options every emulator takes (for node:util parseArgs); each adds its own. */
export const COMMON_ARGUMENTS = {
  port: { type: "string", default: "0" },
  token: { type: "string", multiple: true, default: [] },
  "list-page-size": { type: "string" },
  "access-token-lifetime": { type: "string" },
} satisfies ParseArgsOptionsConfig;

/** The emulator options that the common command-line options give. */
export function commonOptions(values: {
  port: string;
  token: string[];
  "list-page-size"?: string;
  "access-token-lifetime"?: string;
}) {
  const count = (text: string | undefined) => (text ? Number(text) : undefined);
  return {
    port: Number(values.port),
    staticTokens: values.token,
    listPageSize: count(values["list-page-size"]),
    accessTokenLifetimeSeconds: count(values["access-token-lifetime"]),
  };
}
