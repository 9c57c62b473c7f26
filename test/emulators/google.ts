// A local emulator of the Google APIs dmshare uses — Drive v3 (www.googleapis.com), OAuth 2.0
// for installed apps (accounts.google.com's consent page, oauth2.googleapis.com's /token,
// /revoke, /tokeninfo) and the Photos Library API (photoslibrary.googleapis.com) — all on one
// base URL with the real paths, written from Google's public references. Run it on its own:
//
//   node test/emulators/google.ts --port 8791 [--token T ...] [--client ID:SECRET ...]
//        [--device-client ID:SECRET ...] [--list-page-size N] [--access-token-lifetime S]

import type { Server } from "node:http";
import { parseArgs } from "node:util";
import {
  type DriveAccount,
  DriveApi,
  type DrivePermission,
  type EmulatedDriveFile,
  type ResolvedDriveLink,
} from "./google-drive.ts";
import { GoogleOAuth } from "./google-oauth.ts";
import { type EmulatedAlbum, type EmulatedMediaItem, PhotosApi } from "./google-photos.ts";
import { GoogleError, notFoundPage, randomDigits } from "./google-wire.ts";
import {
  COMMON_ARGUMENTS,
  type CutFault,
  commonOptions,
  EmulatorBase,
  type Exchange,
  type Fault,
  type HoldFault,
  HttpEmulator,
  type LatencyFault,
  type Reply,
  serveWhenRunDirectly,
} from "./http.ts";

export type {
  DrivePermission,
  EmulatedDriveFile,
  ResolvedDriveLink,
} from "./google-drive.ts";
export type { EmulatedAlbum, EmulatedMediaItem } from "./google-photos.ts";
export type { RequestRecord } from "./http.ts";

/**
 * An HTTP error in Google's shape. `reason` is the `errors[0].reason` (default by status:
 * 403 userRateLimitExceeded, 429 rateLimitExceeded, 5xx backendError); `message` overrides
 * the default text.
 */
export interface GoogleStatusFault {
  kind: "status";
  status: number;
  retryAfterSeconds?: number;
  reason?: string;
  message?: string;
}

/** `method`, when given, limits the fault to requests with that HTTP method. */
export type GoogleFault = Fault<LatencyFault | CutFault | HoldFault | GoogleStatusFault> & {
  method?: string;
};

export interface GoogleEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /**
   * OAuth clients: "desktop" (the default type) or "tv" ("TVs and Limited Input devices", the
   * only type the device flow accepts); default [DEFAULT_CLIENT, DEFAULT_DEVICE_CLIENT].
   */
  clients?: { clientId: string; clientSecret: string; type?: "desktop" | "tv" }[];
  /**
   * The polling interval /device/code hands out, in seconds (Google: 5). Tests set a small
   * one so that a device login does not wait seconds between polls.
   */
  deviceIntervalSeconds?: number;
  /** Access tokens accepted without OAuth; a bare string carries DEFAULT_SCOPES. */
  staticTokens?: (string | { token: string; scopes: string[]; clientId?: string })[];
  accessTokenLifetimeSeconds?: number;
  /** files.list page size when the client gives none (Drive's default is 100). */
  listPageSize?: number;
  now?: () => Date;
  account?: { displayName: string; emailAddress: string };
}

export const DEFAULT_CLIENT = {
  clientId: "emulator-client.apps.googleusercontent.com",
  clientSecret: "emulator-client-secret",
};
/** A "TVs and Limited Input devices" client, for the device flow. */
export const DEFAULT_DEVICE_CLIENT = {
  clientId: "emulator-tv-client.apps.googleusercontent.com",
  clientSecret: "emulator-tv-client-secret",
  type: "tv" as const,
};
export const DRIVE_FILE_SCOPE = "https://www.googleapis.com/auth/drive.file";
export const PHOTOS_APPENDONLY_SCOPE = "https://www.googleapis.com/auth/photoslibrary.appendonly";
export const DEFAULT_SCOPES = [DRIVE_FILE_SCOPE, PHOTOS_APPENDONLY_SCOPE];

const DEFAULT_ACCOUNT = { displayName: "Emma Ulator", emailAddress: "emma.ulator@example.com" };
/** Google upload bodies can be large; the emulator keeps up to this much of one request. */
const MAX_BODY_BYTES = 1024 * 1024 * 1024;
const LOGGED_HEADERS = [
  "content-type",
  "content-length",
  "content-range",
  "transfer-encoding",
  "range",
  "x-upload-content-type",
  "x-upload-content-length",
  "x-goog-upload-protocol",
  "x-goog-upload-content-type",
  "x-goog-upload-file-name",
  "x-goog-upload-command",
  "x-goog-upload-offset",
  "x-goog-upload-raw-size",
  "user-agent",
];

const RATE_REASONS = ["userRateLimitExceeded", "rateLimitExceeded", "dailyLimitExceeded"];

function defaultReason(status: number): string {
  if (status === 403) return "userRateLimitExceeded";
  if (status === 429) return "rateLimitExceeded";
  if (status === 400) return "badRequest";
  if (status === 401) return "authError";
  if (status === 404) return "notFound";
  if (status === 502) return "badGateway";
  return "backendError";
}

function defaultMessage(status: number, reason: string, projectNumber: string): string {
  const quotas = `https://console.developers.google.com/apis/api/drive.googleapis.com/quotas?project=${projectNumber}`;
  switch (reason) {
    case "userRateLimitExceeded":
      return (
        "User Rate Limit Exceeded. Rate of requests for user exceed configured project quota. " +
        "You may consider re-evaluating expected per-user traffic to the API and adjust project " +
        "quota limits accordingly. You may monitor aggregate quota usage and adjust limits in " +
        `the API Console: ${quotas}`
      );
    case "rateLimitExceeded":
      return "Rate Limit Exceeded";
    case "dailyLimitExceeded":
      return "Daily Limit Exceeded";
    case "badGateway":
      return "Bad Gateway";
    case "backendError":
      return status === 503 ? "The service is currently unavailable." : "Backend Error";
    default:
      return reason;
  }
}

/** The Google error body for an injected status, with Retry-After when asked. */
function renderStatusFault(fault: GoogleStatusFault, projectNumber: string): Reply {
  const reason = fault.reason ?? defaultReason(fault.status);
  const message = fault.message ?? defaultMessage(fault.status, reason, projectNumber);
  const rate = RATE_REASONS.includes(reason);
  const headers: Record<string, string> = {};
  if (fault.retryAfterSeconds !== undefined) {
    headers["Retry-After"] = String(fault.retryAfterSeconds);
  }
  return new GoogleError(fault.status, message, {
    reason,
    domain: rate ? "usageLimits" : "global",
    extendedHelp:
      reason === "userRateLimitExceeded"
        ? `https://console.developers.google.com/apis/api/drive.googleapis.com/quotas?project=${projectNumber}`
        : undefined,
    status: true,
    headers,
  }).reply();
}

/** A route that also checks the method of the request being matched (see `tap`). */
function methodRoute(route: string | RegExp | undefined, method: string, current: () => string) {
  const matchesPath = (path: string) =>
    route === undefined || (typeof route === "string" ? route === path : route.test(path));
  return { test: (path: string) => matchesPath(path) && current() === method } as RegExp;
}

export class GoogleEmulator extends EmulatorBase {
  private readonly oauth: GoogleOAuth;
  private readonly drive: DriveApi;
  private readonly photos: PhotosApi;
  private readonly projectNumber = randomDigits(12);
  /** The method of the request being received (faults with `method` look at it). */
  private currentMethod = "";
  /** Bodies of resumable PUTs as they arrive, by their request's headers object. */
  private readonly taps = new WeakMap<object, { handled: boolean }>();

  constructor(options: GoogleEmulatorOptions = {}) {
    super();
    const clock = options.now ?? (() => new Date());
    const now = () => clock().getTime();
    const account = options.account ?? DEFAULT_ACCOUNT;
    const permissionId = randomDigits(20);
    this.oauth = new GoogleOAuth(
      { ...account, id: randomDigits(21) },
      options.accessTokenLifetimeSeconds ?? 3599,
      now,
      { deviceIntervalSeconds: options.deviceIntervalSeconds },
    );
    const clients: NonNullable<GoogleEmulatorOptions["clients"]> = options.clients ?? [
      DEFAULT_CLIENT,
      DEFAULT_DEVICE_CLIENT,
    ];
    for (const client of clients) {
      this.oauth.registerClient(client.clientId, client.clientSecret, client.type);
    }
    for (const entry of options.staticTokens ?? []) {
      const { token, scopes, clientId } =
        typeof entry === "string"
          ? { token: entry, scopes: DEFAULT_SCOPES, clientId: undefined }
          : entry;
      this.oauth.addStaticToken(token, scopes, clientId ?? DEFAULT_CLIENT.clientId);
    }
    const checkToken = (token: string | undefined) => this.oauth.check(token);
    const driveAccount: DriveAccount = { ...account, permissionId };
    this.drive = new DriveApi({
      account: driveAccount,
      now,
      listPageSize: options.listPageSize ?? 100,
      checkToken,
    });
    this.photos = new PhotosApi({ now, checkToken });
    this.http = new HttpEmulator({
      port: options.port,
      handle: (exchange) => this.handle(exchange),
      renderStatusFault: (fault) => renderStatusFault(fault, this.projectNumber),
      loggedHeaders: LOGGED_HEADERS,
      maxBufferedBodyBytes: MAX_BODY_BYTES,
      bodyTarget: (method, url, headers, length) => {
        const uploadId = url.searchParams.get("upload_id");
        return method === "PUT" && url.pathname.startsWith("/upload/drive/v3/files") && uploadId
          ? this.drive.uploads.bodyTarget(uploadId, headers["content-range"], length)
          : undefined;
      },
    });
    // Seen before the provider-neutral server reads the request: the method (for faults that
    // name one) and the bytes of resumable chunks (kept when the connection drops mid-chunk).
    const server = (this.http as unknown as { server: Server }).server;
    server.prependListener("request", (req, res) => {
      this.currentMethod = req.method ?? "";
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const uploadId = url.searchParams.get("upload_id");
      if (req.method !== "PUT" || !url.pathname.startsWith("/upload/drive/v3/files") || !uploadId) {
        return;
      }
      const state = { handled: false };
      const arrived: Buffer[] = [];
      this.taps.set(req.headers, state);
      req.on("data", (chunk: Buffer) => arrived.push(chunk));
      res.once("close", () => {
        if (state.handled || res.writableFinished) return;
        this.drive.uploads.keepInterrupted(
          uploadId,
          req.headers["content-range"],
          Buffer.concat(arrived),
        );
      });
    });
  }

  /** The id of the Drive root folder ("My Drive"), which `root` stands for. */
  get driveRootId(): string {
    return this.drive.rootId;
  }

  registerClient(clientId: string, clientSecret: string, type?: "desktop" | "tv"): void {
    this.oauth.registerClient(clientId, clientSecret, type);
  }

  /** Every device code handed out so far expires now (as after Google's 30 minutes). */
  expireDeviceCodes(): void {
    this.oauth.expireDeviceCodes();
  }

  /** The next `times` polls of the device codes handed out so far get slow_down. */
  slowDownDevicePolls(times = 1): void {
    this.oauth.slowDownDevicePolls(times);
  }

  /** Tokens as a completed offline authorization would give (default client and scopes). */
  issueAccessToken(
    options: { scopes?: string[]; expiresInSeconds?: number; clientId?: string } = {},
  ): { accessToken: string; refreshToken: string } {
    return this.oauth.issue(
      options.clientId ?? DEFAULT_CLIENT.clientId,
      options.scopes ?? DEFAULT_SCOPES,
      options.expiresInSeconds,
    );
  }

  /**
   * Every access token OAuth issued so far (code and refresh grants, issueAccessToken) is now
   * rejected with 401. Static tokens stay valid unless `includeStatic` is set.
   */
  expireAccessTokens(options: { includeStatic?: boolean } = {}): void {
    this.oauth.expireAccessTokens(options.includeStatic ?? false);
  }

  /** Every refresh token now answers invalid_grant. */
  revokeRefreshTokens(): void {
    this.oauth.revokeRefreshTokens();
  }

  inject(fault: GoogleFault): void {
    const { method, ...rest } = fault;
    if (method === undefined) {
      this.http.inject(rest as Fault);
      return;
    }
    const wanted = method.toUpperCase();
    this.http.inject({
      ...rest,
      route: methodRoute(rest.route, wanted, () => this.currentMethod),
    } as Fault);
  }

  clearFaults(): void {
    this.http.clearFaults();
  }

  /** Every Drive file and folder (not the root), trashed ones included, deleted ones not. */
  driveFiles(): EmulatedDriveFile[] {
    return this.drive.files();
  }

  readDriveFile(id: string): Buffer | null {
    return this.drive.read(id);
  }

  /** A file's permissions, the owner's first; [] for an unknown file. */
  drivePermissions(fileId: string): DrivePermission[] {
    return this.drive.permissionsOf(fileId);
  }

  /**
   * What an anonymous visitor opening this URL gets: anyone permissions apply to the item and,
   * inherited, to everything inside a shared folder. null for an unknown/malformed URL.
   */
  resolveDriveLink(url: string): ResolvedDriveLink | null {
    return this.drive.resolveLink(url);
  }

  /** Changes behind the client's back: delete a permission as the user would in the Drive UI. */
  removeDrivePermission(fileId: string, permissionId: string): void {
    this.drive.removePermission(fileId, permissionId);
  }

  /** Deletes a file (a folder with what it holds) as the user would in the Drive UI. */
  deleteDriveFile(fileId: string): void {
    this.drive.deleteFile(fileId);
  }

  photosAlbums(): EmulatedAlbum[] {
    return this.photos.albums();
  }

  photosMediaItems(): EmulatedMediaItem[] {
    return this.photos.mediaItems();
  }

  private handle(exchange: Exchange): Reply {
    const tap = this.taps.get(exchange.headers);
    if (tap) tap.handled = true;
    if (exchange.headers.authorization !== undefined) {
      const scheme = /^\S+/.exec(exchange.headers.authorization)?.[0] ?? "";
      exchange.record.headers.authorization = `${scheme} [redacted]`;
    }
    const reply = this.dispatch(exchange);
    if (reply.status >= 400 && reply.body !== undefined) {
      exchange.record.errorSummary = describeError(reply.body.toString());
    }
    return reply;
  }

  private dispatch(exchange: Exchange): Reply {
    const path = exchange.url.pathname;
    if (path === "/o/oauth2/v2/auth" || path === "/o/oauth2/auth") {
      return this.oauth.authorize(exchange);
    }
    if (path === "/token" || path === "/o/oauth2/token") return this.oauth.token(exchange);
    if (path === "/device/code") return this.oauth.deviceCode(exchange);
    if (path === "/device") return this.oauth.devicePage(exchange);
    if (path === "/revoke" || path === "/o/oauth2/revoke") return this.oauth.revoke(exchange);
    if (path === "/tokeninfo" || path === "/oauth2/v3/tokeninfo") {
      return this.oauth.tokenInfo(exchange);
    }
    if (path.startsWith("/drive/v3/") || path.startsWith("/upload/drive/v3/")) {
      return this.drive.handle(exchange);
    }
    if (path.startsWith("/v1/")) return this.photos.handle(exchange);
    return notFoundPage();
  }
}

/** `reason: message` of a Google JSON error, `error: description` of an OAuth one, else text. */
function describeError(body: string): string {
  try {
    const parsed = JSON.parse(body) as {
      error?: string | { message?: string; status?: string; errors?: { reason?: string }[] };
      error_description?: string;
    };
    if (typeof parsed.error === "string") {
      return parsed.error_description
        ? `${parsed.error}: ${parsed.error_description}`
        : parsed.error;
    }
    if (parsed.error) {
      const reason = parsed.error.errors?.[0]?.reason ?? parsed.error.status ?? "";
      return `${reason}: ${parsed.error.message ?? ""}`;
    }
  } catch {
    // HTML or text
  }
  const text = /<p id="error">([\s\S]*?)<\/p>/.exec(body)?.[1] ?? body;
  return text
    .replace(/<[^>]*>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

export async function startGoogleEmulator(
  options: GoogleEmulatorOptions = {},
): Promise<GoogleEmulator> {
  const emulator = new GoogleEmulator(options);
  await emulator.listen();
  return emulator;
}

/** `node test/emulators/…ts --port N --token T`: the emulator on its own, for trying dmshare by hand. */
async function startFromArguments() {
  const { values } = parseArgs({
    options: {
      ...COMMON_ARGUMENTS,
      client: { type: "string", multiple: true, default: [] },
      "device-client": { type: "string", multiple: true, default: [] },
    },
  });
  const parse = (pair: string, type: "desktop" | "tv") => {
    const colon = pair.indexOf(":");
    if (colon <= 0) throw new Error(`--client takes CLIENT_ID:CLIENT_SECRET, not "${pair}"`);
    return { clientId: pair.slice(0, colon), clientSecret: pair.slice(colon + 1), type };
  };
  return startGoogleEmulator({
    ...commonOptions(values),
    clients: [
      DEFAULT_CLIENT,
      DEFAULT_DEVICE_CLIENT,
      ...values.client.map((pair) => parse(pair, "desktop")),
      ...values["device-client"].map((pair) => parse(pair, "tv")),
    ],
  });
}

serveWhenRunDirectly(import.meta.url, "Google", startFromArguments);
