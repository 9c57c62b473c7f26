// What Google Drive and Google Photos share: endpoints, the user's OAuth client, the OAuth
// flow (loopback + PKCE), stored tokens and their refresh, the retry policy and error sentences.

import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Credentials, OAuth2Client } from "google-auth-library";
import type { Ctx } from "../context.ts";
import { authError, providerError, usageError } from "../errors.ts";
import { rememberSecrets } from "../secrets.ts";
import type { StoredCredentials } from "../store/credentials.ts";
import { baseUrlOverride } from "./base-url.ts";
import { providerFetch } from "./guarded-fetch.ts";
import { openIfWanted, receiveOAuthRedirect } from "./oauth-loopback.ts";
import type { Account, LoginRequest, LoginUi, ProviderName, ProviderSession } from "./provider.ts";
import { tokenVariable } from "./registry.ts";
import {
  explainFailure,
  isNetworkError,
  lastFailure,
  RATE_LIMITED,
  type RetryDecision,
  retryAfterMs,
  retryOptionsFor,
  withRetry,
} from "./retry.ts";
import { checkCredentialShape, loginWithToken } from "./token-login.ts";
import type { Concurrency } from "./transfer.ts";

export interface GoogleService {
  provider: ProviderName;
  label: string;
  scopes: string[];
}

export interface GoogleEndpoints {
  /** www.googleapis.com: Drive's API and upload paths. */
  apiRoot: string;
  photosRoot: string;
  tokenUrl: string;
  tokenInfoUrl: string;
  authUrl: string;
}

/** `DMSHARE_GOOGLE_API_URL` replaces every Google host; the paths stay the same. */
export function googleEndpoints(ctx: Ctx): GoogleEndpoints {
  const base = baseUrlOverride(ctx, "DMSHARE_GOOGLE_API_URL", "Google");
  return {
    apiRoot: `${base ?? "https://www.googleapis.com"}/`,
    photosRoot: base ?? "https://photoslibrary.googleapis.com",
    tokenUrl: `${base ?? "https://oauth2.googleapis.com"}/token`,
    tokenInfoUrl: `${base ?? "https://oauth2.googleapis.com"}/tokeninfo`,
    authUrl: base ? `${base}/o/oauth2/v2/auth` : "https://accounts.google.com/o/oauth2/v2/auth",
  };
}

/** The hosts dmshare's Google requests may go to (credentials go nowhere else). */
function googleHosts(ctx: Ctx): string[] {
  const base = baseUrlOverride(ctx, "DMSHARE_GOOGLE_API_URL", "Google");
  if (base) return [new URL(base).host];
  return ["www.googleapis.com", "photoslibrary.googleapis.com", "oauth2.googleapis.com"];
}

export interface GoogleConnection {
  auth: OAuth2Client;
  endpoints: GoogleEndpoints;
  /**
   * One API call with the retry policy, one token refresh on a 401, and a translated error.
   * `recover` may turn an HTTP error into a result (a 404 on delete, say).
   */
  call<T>(
    action: string,
    request: () => Promise<T>,
    recover?: (error: GoogleHttpError) => T | undefined,
  ): Promise<T>;
  /** The uploads running now: a rate limit makes them back off. */
  uploads?: Concurrency;
}

async function newOAuthClient(
  ctx: Ctx,
  client: { clientId?: string; clientSecret?: string },
): Promise<OAuth2Client> {
  const { OAuth2Client } = await import("google-auth-library");
  const endpoints = googleEndpoints(ctx);
  return new OAuth2Client({
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    endpoints: {
      oauth2TokenUrl: endpoints.tokenUrl,
      oauth2AuthBaseUrl: endpoints.authUrl,
      tokenInfoUrl: endpoints.tokenInfoUrl,
    },
    transporterOptions: {
      fetchImplementation: providerFetch(ctx, "Google", googleHosts(ctx)),
    },
  });
}

export async function connectGoogle(
  session: ProviderSession,
  service: GoogleService,
): Promise<GoogleConnection> {
  const { ctx, credentials } = session;
  const variable = tokenVariable(service.provider);
  const envToken = ctx.env[variable]?.trim();
  const stored: StoredCredentials | undefined = envToken
    ? { accessToken: envToken }
    : await credentials.get(service.provider);
  if (!stored) {
    throw authError(
      `Not logged in to ${service.label}.`,
      `Run: dmshare login ${service.provider}   (or set ${variable} for scripts)`,
    );
  }
  checkCredentialShape(
    stored,
    service.label,
    envToken
      ? `Set ${variable} to the token alone, or unset it and run: dmshare login ${service.provider}`
      : `Log in again: dmshare login ${service.provider}`,
  );
  const auth = await newOAuthClient(ctx, stored);
  auth.setCredentials({
    access_token: stored.accessToken,
    refresh_token: stored.refreshToken,
    expiry_date: stored.expiresAt ? Date.parse(stored.expiresAt) : undefined,
  });
  const canRefresh = Boolean(stored.refreshToken && stored.clientId);
  let savedToken = stored.accessToken;
  const loginAgain = envToken
    ? `${variable} holds a token ${service.label} does not accept: replace it, or unset it and run: dmshare login ${service.provider}`
    : `Log in again: dmshare login ${service.provider}`;

  /** Saves a refreshed token, so the next run does not refresh again. */
  async function persistRefreshedToken() {
    const current = auth.credentials.access_token;
    if (envToken || !current || current === savedToken) return;
    savedToken = current;
    const expiry = auth.credentials.expiry_date;
    await credentials.set(service.provider, {
      ...stored,
      accessToken: current,
      expiresAt: expiry ? new Date(expiry).toISOString() : undefined,
    } as StoredCredentials);
  }

  async function call<T>(
    action: string,
    request: () => Promise<T>,
    recover?: (error: GoogleHttpError) => T | undefined,
  ): Promise<T> {
    let refreshed = false;
    try {
      for (;;) {
        try {
          return await withRetry(
            request,
            retryDecision,
            retryOptionsFor(ctx, () => connection.uploads?.backOff()),
          );
        } catch (error) {
          const rejected = httpErrorOf(lastFailure(error))?.status === 401;
          if (!rejected || !canRefresh || refreshed) throw error;
          refreshed = true;
          await refreshAccessToken(auth);
        }
      }
    } catch (error) {
      const failure = lastFailure(error);
      const httpError = httpErrorOf(failure);
      const recovered = httpError ? recover?.(httpError) : undefined;
      if (recovered !== undefined) return recovered;
      throw explainFailure(error, action, ctx.signal, (last) =>
        translate(last, action, service, loginAgain),
      );
    } finally {
      await persistRefreshedToken();
    }
  }

  const connection: GoogleConnection = { auth, endpoints: googleEndpoints(ctx), call };
  return connection;
}

/** Asks the token endpoint for a new access token now (the stored one was rejected). */
async function refreshAccessToken(auth: OAuth2Client): Promise<void> {
  auth.setCredentials({ ...auth.credentials, access_token: undefined, expiry_date: 1 });
  await auth.getAccessToken();
}

/** A Google HTTP error, reduced to what dmshare decides on. */
export interface GoogleHttpError {
  status: number;
  /** `errors[0].reason` of an API error, `error` of an OAuth error, else the status text. */
  reason: string;
  message: string;
  retryAfterMs?: number;
}

interface GaxiosLike {
  status?: number;
  response?: { status?: number; data?: unknown; headers?: Headers | Record<string, string> };
}

export function httpErrorOf(error: unknown): GoogleHttpError | undefined {
  const response = (error as GaxiosLike | null)?.response;
  const status = response?.status;
  if (typeof status !== "number") return undefined;
  let data = response?.data;
  if (typeof data === "string") {
    try {
      data = JSON.parse(data);
    } catch {
      // a plain-text body
    }
  }
  const body = (data ?? {}) as {
    error?: string | { message?: string; status?: string; errors?: { reason?: string }[] };
    error_description?: string;
  };
  const headers = response?.headers;
  const retryAfter =
    headers instanceof Headers ? headers.get("retry-after") : headers?.["retry-after"];
  const afterMs = retryAfterMs(retryAfter);
  if (typeof body.error === "string") {
    return {
      status,
      reason: body.error,
      message: body.error_description ?? body.error,
      retryAfterMs: afterMs,
    };
  }
  return {
    status,
    reason: body.error?.errors?.[0]?.reason ?? body.error?.status ?? `HTTP ${status}`,
    message: body.error?.message ?? `HTTP ${status}`,
    retryAfterMs: afterMs,
  };
}

const RATE_LIMIT_REASONS = ["userRateLimitExceeded", "rateLimitExceeded", "RESOURCE_EXHAUSTED"];

function retryDecision(error: unknown): RetryDecision {
  const httpError = httpErrorOf(error);
  if (httpError) {
    const rateLimited =
      httpError.status === 429 ||
      (httpError.status === 403 && RATE_LIMIT_REASONS.includes(httpError.reason));
    if (rateLimited) {
      return { retry: true, reason: RATE_LIMITED, afterMs: httpError.retryAfterMs };
    }
    if (httpError.status >= 500) {
      return {
        retry: true,
        reason: `Google answered ${httpError.status}`,
        afterMs: httpError.retryAfterMs,
      };
    }
    return { retry: false };
  }
  if (isNetworkError(error)) return { retry: true, reason: "connection lost" };
  return { retry: false };
}

function translate(
  error: unknown,
  action: string,
  service: GoogleService,
  loginAgain: string,
): Error {
  const { label } = service;
  const httpError = httpErrorOf(error);
  if (httpError) {
    const { status, reason } = httpError;
    if (
      reason === "invalid_grant" ||
      reason === "invalid_client" ||
      reason === "unauthorized_client"
    ) {
      return authError(
        `${label} no longer accepts dmshare's stored login (${reason}).`,
        `${loginAgain}\n(Google ends the logins of OAuth apps in "Testing" status after 7 days; publishing the app in the Google Cloud console avoids that.)`,
      );
    }
    if (status === 401) {
      return authError(`${label} rejected dmshare's login while trying to ${action}.`, loginAgain);
    }
    if (reason === "insufficientPermissions" || reason === "ACCESS_TOKEN_SCOPE_INSUFFICIENT") {
      return authError(
        `dmshare's ${label} login lacks the permission to ${action}.`,
        `${loginAgain}, and allow what the consent page asks for.`,
      );
    }
    if (reason === "storageQuotaExceeded") {
      return providerError(
        `Your Google storage is full, so dmshare can't ${action}.`,
        "Free some space and try again.",
      );
    }
    if (status === 429 || RATE_LIMIT_REASONS.includes(reason)) {
      return providerError(
        `${label} is rate-limiting dmshare, so it couldn't ${action}.`,
        "Wait a minute and try again.",
      );
    }
    if (status === 404) {
      return providerError(
        `${label} could not find the item while trying to ${action}.`,
        "It may have been deleted in the browser. dmshare list shows what dmshare knows about.",
      );
    }
    return providerError(
      `${label} refused to ${action}: ${httpError.message} (HTTP ${status}, ${reason}).`,
      "Try again later.",
    );
  }
  if (isNetworkError(error)) {
    return providerError(
      `Could not reach ${label} to ${action}.`,
      "Check your network connection and try again.",
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

interface ClientConfig {
  clientId: string;
  clientSecret: string;
}

/** The user's Desktop OAuth client: flags, else client_secret.json, else the environment. */
async function clientConfig(ctx: Ctx, request: LoginRequest): Promise<ClientConfig> {
  const file = request.credentialsFile ?? ctx.env.DMSHARE_GOOGLE_CREDENTIALS;
  const fromFile = file ? await readClientSecretFile(ctx, file) : undefined;
  const clientId = request.clientId ?? fromFile?.clientId ?? ctx.env.DMSHARE_GOOGLE_CLIENT_ID;
  const clientSecret =
    request.clientSecret ?? fromFile?.clientSecret ?? ctx.env.DMSHARE_GOOGLE_CLIENT_SECRET;
  if (!clientId || !clientSecret) {
    throw usageError(
      clientId ? "No Google OAuth client secret given." : "No Google OAuth client given.",
      'Create a Desktop app OAuth client (see the README, "Create a Google OAuth client"), then run: dmshare login gdrive --credentials client_secret.json  (or --client-id ID --client-secret SECRET, or DMSHARE_GOOGLE_CLIENT_ID / DMSHARE_GOOGLE_CLIENT_SECRET)',
    );
  }
  rememberSecrets(clientSecret);
  return { clientId, clientSecret };
}

async function readClientSecretFile(ctx: Ctx, file: string): Promise<ClientConfig> {
  let text: string;
  try {
    text = await readFile(path.resolve(ctx.cwd, file), "utf8");
  } catch (error) {
    throw usageError(
      `Can't read the Google client file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`,
      "Give the client_secret_….json file the Google Cloud console downloaded.",
    );
  }
  let parsed: { installed?: { client_id?: string; client_secret?: string }; web?: unknown };
  try {
    parsed = JSON.parse(text);
  } catch {
    throw usageError(
      `${file} is not JSON.`,
      "Give the client_secret_….json file the Google Cloud console downloaded.",
    );
  }
  if (parsed.web && !parsed.installed) {
    throw usageError(
      `${file} is a "Web application" OAuth client; dmshare needs a "Desktop app" client.`,
      'In the Google Cloud console create an OAuth client of type "Desktop app" and download its JSON.',
    );
  }
  const { client_id: clientId, client_secret: clientSecret } = parsed.installed ?? {};
  if (!clientId || !clientSecret) {
    throw usageError(
      `${file} has no installed.client_id and installed.client_secret.`,
      "Give the client_secret_….json file the Google Cloud console downloaded.",
    );
  }
  return { clientId, clientSecret };
}

/**
 * Logs in with the installed-app flow: a loopback redirect on any free port (Google accepts
 * any port for Desktop clients), PKCE, offline access so a refresh token is stored.
 */
export async function loginGoogle(
  request: LoginRequest,
  session: ProviderSession,
  ui: LoginUi,
  service: GoogleService,
  whoami: (session: ProviderSession) => Promise<Account>,
): Promise<Account> {
  const { ctx, credentials } = session;
  if (request.token) return loginWithToken(service.provider, request.token, session, whoami);
  if (request.pasteCode) {
    throw usageError(
      "Google has no paste-the-code login for desktop apps; the browser must reach this machine.",
      `Use --no-browser to print the login URL, or give a token: dmshare login ${service.provider} --token -`,
    );
  }
  const client = await clientConfig(ctx, request);
  const auth = await newOAuthClient(ctx, client);
  const { codeVerifier, codeChallenge } = await auth.generateCodeVerifierAsync();
  const receiver = await receiveOAuthRedirect({
    port: request.port ?? 0,
    providerLabel: service.label,
    timeoutMs: request.timeoutMs,
    signal: ctx.signal,
  });
  let code: string;
  try {
    const url = auth.generateAuthUrl({
      access_type: "offline",
      prompt: "consent",
      scope: service.scopes,
      state: receiver.state,
      redirect_uri: receiver.redirectUri,
      code_challenge: codeChallenge,
      code_challenge_method: (await import("google-auth-library")).CodeChallengeMethod.S256,
    });
    ui.showAuthorizeUrl(url, await openIfWanted(ctx, url, request.openBrowser));
    code = await receiver.code;
  } finally {
    receiver.close();
  }
  let tokens: Credentials;
  try {
    ({ tokens } = await auth.getToken({ code, codeVerifier, redirect_uri: receiver.redirectUri }));
  } catch (error) {
    const refused = httpErrorOf(error);
    if (refused?.status === 400) {
      throw authError(
        `Google did not accept the login code (${refused.reason}).`,
        `Run dmshare login ${service.provider} again.`,
      );
    }
    throw translate(error, "finish the login", service, `Run: dmshare login ${service.provider}`);
  }
  if (!tokens.access_token) {
    throw authError("Google's answer carried no access token.", "Run dmshare login again.");
  }
  await credentials.set(service.provider, {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token ?? undefined,
    expiresAt: tokens.expiry_date ? new Date(tokens.expiry_date).toISOString() : undefined,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
  });
  return whoami(session);
}
