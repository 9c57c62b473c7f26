// A OneDrive session: Microsoft Graph's endpoints (Microsoft's, or the emulator's), the
// access token, each call made through the shared authorized-call policy (retries, one
// refresh after a 401, translated errors), and the app folder everything goes into.

import type { Readable } from "node:stream";
import type { Ctx } from "../../context.ts";
import { providerError } from "../../lib/errors.ts";
import {
  type Authorized,
  authorized,
  authorizedCall,
  loadCredentials,
  type ProviderIdentity,
} from "../authorized-call.ts";
import { baseUrlOverride } from "../base-url.ts";
import { providerFetch } from "../guarded-fetch.ts";
import type { ProviderSession } from "../provider.ts";
import { type OneDriveAuth, openAuth } from "./auth.ts";
import {
  GraphHttpError,
  graphErrorOf,
  isRejectedToken,
  LABEL,
  retryDecision,
  translate,
} from "./errors.ts";

export const SERVICE: ProviderIdentity = { name: "onedrive", label: LABEL };

const GRAPH = "https://graph.microsoft.com";
const LOGIN = "https://login.microsoftonline.com";

/** `DMSHARE_ONEDRIVE_API_URL` replaces Graph's host (paths unchanged); the auth URL follows it. */
export function onedriveEndpoints(ctx: Ctx): { api: string; auth: string; overridden: boolean } {
  const api = baseUrlOverride(ctx, "DMSHARE_ONEDRIVE_API_URL", "Microsoft Graph");
  const auth = baseUrlOverride(ctx, "DMSHARE_ONEDRIVE_AUTH_URL", "the Microsoft identity platform");
  return { api: api ?? GRAPH, auth: auth ?? api ?? LOGIN, overridden: api !== undefined };
}

/** A driveItem as dmshare reads it. */
export interface GraphItem {
  id: string;
  name: string;
  size?: number;
  createdDateTime?: string;
  folder?: { childCount?: number };
  parentReference?: { id?: string };
  file?: { mimeType?: string };
}

export interface GraphSession {
  ctx: Ctx;
  /** `https://graph.microsoft.com/v1.0` (or the emulator's). */
  base: string;
  /** Whether DMSHARE_ONEDRIVE_API_URL points dmshare elsewhere (an emulator, a proxy). */
  overridden: boolean;
  auth: OneDriveAuth;
  authorized: Authorized;
  /** Only to Graph's host: the token goes nowhere else. */
  fetch: typeof fetch;
  appFolder?: Promise<GraphItem>;
}

export async function openSession(session: ProviderSession): Promise<GraphSession> {
  const credentials = await loadCredentials(session, SERVICE);
  const auth = openAuth(session, credentials);
  const { api, overridden } = onedriveEndpoints(session.ctx);
  return {
    ctx: session.ctx,
    base: `${api}/v1.0`,
    overridden,
    auth,
    fetch: providerFetch(session.ctx, LABEL, [new URL(api).host]),
    authorized: authorized(session, SERVICE, credentials, {
      // auth.ts keeps (and stores) the tokens itself.
      token: () => ({ accessToken: undefined, expiresAt: undefined }),
      refresh: async () => {
        if ((await auth.refresh()) === null) {
          throw new GraphHttpError(
            401,
            "InvalidAuthenticationToken",
            "the login could not be refreshed",
          );
        }
      },
      expired: isRejectedToken,
      retryDecision,
      translate,
    }),
  };
}

export interface GraphRequest {
  method?: string;
  /** JSON body. */
  json?: unknown;
  /** A raw body (a file part) with its content type. */
  body?: RequestInit["body"] | Readable;
  contentType?: string;
  /**
   * Stops this request (an upload: Ctrl-C). Other calls are stopped through `stoppedBy`, so
   * the clean-up after Ctrl-C, under a bound of its own, can still make its calls.
   */
  signal?: AbortSignal;
}

/** One Graph request with the current token; the answer's JSON, undefined for 204. */
export async function graphRequest<T>(
  s: GraphSession,
  path: string,
  request: GraphRequest = {},
): Promise<{ status: number; data: T }> {
  const url = path.startsWith(`${s.base}/`) ? path : `${s.base}${path}`;
  const headers: Record<string, string> = {
    Authorization: `Bearer ${await s.auth.accessToken()}`,
    Accept: "application/json",
  };
  let body = request.body as RequestInit["body"];
  if (request.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(request.json);
  } else if (request.contentType) {
    headers["Content-Type"] = request.contentType;
  }
  const response = await s.fetch(url, {
    method: request.method ?? "GET",
    headers,
    body,
    signal: request.signal,
    ...(body !== undefined && typeof body === "object" && { duplex: "half" }),
  } as RequestInit);
  if (!response.ok) throw await graphErrorOf(response);
  if (response.status === 204) return { status: 204, data: undefined as T };
  const text = await response.text();
  try {
    return { status: response.status, data: JSON.parse(text) as T };
  } catch {
    throw providerError(
      `${LABEL} answered something that is not JSON (HTTP ${response.status}).`,
      "Try again later. If it happens again, something between you and OneDrive (a proxy, a captive portal) changes its answers.",
    );
  }
}

/**
 * One API call (see authorizedCall). `recover` may turn a Graph error into a result (a 404 on
 * delete, say); undefined leaves it an error.
 */
export function call<T>(
  s: GraphSession,
  action: string,
  request: () => Promise<T>,
  recover?: (error: GraphHttpError) => T | undefined,
): Promise<T> {
  return authorizedCall(s.authorized, action, request, (failure) =>
    failure instanceof GraphHttpError ? recover?.(failure) : undefined,
  );
}

/** GET/POST/DELETE `path` as one call; the answer's JSON. */
export async function graph<T>(
  s: GraphSession,
  action: string,
  path: string,
  request: GraphRequest = {},
  recover?: (error: GraphHttpError) => T | undefined,
): Promise<T> {
  return call(s, action, async () => (await graphRequest<T>(s, path, request)).data, recover);
}

/** The app folder (`Apps/<app name>`), read once per run; Graph makes it on first use. */
export function appFolder(s: GraphSession): Promise<GraphItem> {
  s.appFolder ??= graph<GraphItem>(
    s,
    "open dmshare's app folder",
    "/me/drive/special/approot",
  ).then((item) => {
    if (typeof item?.id !== "string" || typeof item.name !== "string") {
      throw providerError(`${LABEL} answered without the app folder's id.`, "Try again later.");
    }
    return item;
  });
  return s.appFolder;
}

/** `Apps/dmshare` as users see it in OneDrive. */
export async function appFolderPath(s: GraphSession): Promise<string> {
  return `Apps/${(await appFolder(s)).name}`;
}

/** `/me/drive/items/{id}` with the id escaped. */
export const itemPath = (id: string) => `/me/drive/items/${encodeURIComponent(id)}`;
