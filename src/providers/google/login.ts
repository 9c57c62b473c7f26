// What Google Drive and Google Photos share: endpoints, the user's OAuth client, the OAuth
// flow (loopback + PKCE), stored tokens and their refresh, the retry policy and error sentences.

import { readFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Credentials, OAuth2Client } from "google-auth-library";
import type { Ctx } from "../../context.ts";
import {
  authError,
  DmshareError,
  interruptedError,
  providerError,
  usageError,
} from "../../errors.ts";
import { rememberSecrets } from "../../secrets.ts";
import type { StoredCredentials } from "../../store/credentials.ts";
import { withoutControls } from "../../text.ts";
import { baseUrlOverride } from "../base-url.ts";
import { BUILTIN_APPS } from "../builtin-apps.ts";
import { providerFetch } from "../guarded-fetch.ts";
import { openIfWanted, receiveOAuthRedirect } from "../oauth-loopback.ts";
import {
  type Account,
  type LoginRequest,
  type LoginUi,
  type ProviderName,
  type ProviderSession,
  tokenVariable,
} from "../provider.ts";
import {
  explainFailure,
  isNetworkError,
  lastFailure,
  RATE_LIMITED,
  type RetryDecision,
  retryAfterMs,
  retryOptionsFor,
  withRetry,
} from "../retry.ts";
import { checkCredentialShape, loginWithToken } from "../token-login.ts";
import type { Concurrency } from "../transfer.ts";

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
  /** The device authorization endpoint (OAuth 2.0 for TVs and limited-input devices). */
  deviceCodeUrl: string;
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
    deviceCodeUrl: `${base ?? "https://oauth2.googleapis.com"}/device/code`,
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
  /** The client this build of dmshare carries (src/providers/builtin-apps.ts). */
  builtin?: boolean;
}

const CONSOLE = "https://console.cloud.google.com/apis/credentials";
const README_SECTION = 'README, "Connect Google Drive"';

/**
 * The user's OAuth client (flags, else client_secret.json, else the environment), else the
 * one this build carries: a Desktop app client for the browser login, a "TVs and Limited
 * Input devices" client for the device login. Half a client of the user's is an error, not a
 * reason to mix in the built-in one.
 */
async function clientConfig(
  ctx: Ctx,
  request: LoginRequest,
  provider: ProviderName,
): Promise<ClientConfig> {
  const file = request.credentialsFile ?? ctx.env.DMSHARE_GOOGLE_CREDENTIALS;
  const fromFile = file ? await readClientSecretFile(ctx, file) : undefined;
  const clientId = request.clientId ?? fromFile?.clientId ?? ctx.env.DMSHARE_GOOGLE_CLIENT_ID;
  const clientSecret =
    request.clientSecret ?? fromFile?.clientSecret ?? ctx.env.DMSHARE_GOOGLE_CLIENT_SECRET;
  if (clientId && clientSecret) {
    rememberSecrets(clientSecret);
    return { clientId, clientSecret };
  }
  const builtin = request.device ? BUILTIN_APPS.googleDevice : BUILTIN_APPS.google;
  if (!clientId && !clientSecret && builtin) return { ...builtin, builtin: true };
  const none = clientId || clientSecret ? "" : ", and this build of dmshare carries none";
  const what = request.device
    ? `Google OAuth client for the device login${clientId ? " secret" : ""}`
    : `Google OAuth client${clientId ? " secret" : ""}`;
  throw usageError(
    `No ${clientSecret ? "Google OAuth client id" : what} given${none}.`,
    request.device
      ? `The device login needs an OAuth client of type "TVs and Limited Input devices" (${README_SECTION}: ${CONSOLE}), then run: dmshare login ${provider} --device --client-id ID --client-secret SECRET`
      : `Create a Desktop app OAuth client (${README_SECTION}: ${CONSOLE}), then run: dmshare login ${provider} --credentials client_secret.json  (or --client-id ID --client-secret SECRET, or DMSHARE_GOOGLE_CLIENT_ID / DMSHARE_GOOGLE_CLIENT_SECRET)`,
  );
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

/** What a login gets from Google's token endpoint, as dmshare stores it. */
interface LoginTokens {
  accessToken: string;
  refreshToken?: string;
  expiresAt?: string;
}

/**
 * Logs in with the installed-app flow: a loopback redirect on any free port (Google accepts
 * any port for Desktop clients), PKCE, offline access so a refresh token is stored. With
 * `device`, with the device authorization grant instead: a code to enter on another device.
 */
export async function loginGoogle(
  request: LoginRequest,
  session: ProviderSession,
  ui: LoginUi,
  service: GoogleService,
  whoami: (session: ProviderSession) => Promise<Account>,
): Promise<Account> {
  const { ctx, credentials } = session;
  if (request.token)
    return loginWithToken(service.provider, service.label, request.token, session, whoami);
  if (request.device) refuseScopesOutsideDeviceFlow(service);
  if (request.pasteCode) {
    throw usageError(
      "Google has no paste-the-code login for desktop apps; the browser must reach this machine.",
      `${canUseDeviceFlow(service) ? `Use --device to enter a code on another device, or ` : "Use "}--no-browser to print the login URL, or give a token: dmshare login ${service.provider} --token -`,
    );
  }
  const client = await clientConfig(ctx, request, service.provider);
  if (client.builtin) {
    ui.info(
      `Logging in with dmshare's own Google OAuth client (--credentials or --client-id/--client-secret use yours).`,
    );
  }
  const tokens = request.device
    ? await deviceLogin(ctx, request, ui, service, client)
    : await loopbackLogin(ctx, request, ui, service, client);
  await credentials.set(service.provider, {
    ...tokens,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
  });
  return whoami(session);
}

async function loopbackLogin(
  ctx: Ctx,
  request: LoginRequest,
  ui: LoginUi,
  service: GoogleService,
  client: ClientConfig,
): Promise<LoginTokens> {
  const auth = await newOAuthClient(ctx, client);
  const { codeVerifier, codeChallenge } = await auth.generateCodeVerifierAsync();
  const receiver = await receiveOAuthRedirect({
    port: request.port,
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
    const opened = await openIfWanted(ctx, url, request.openBrowser);
    ui.showAuthorizeUrl(url, opened);
    if (!opened && canUseDeviceFlow(service)) {
      ui.info(
        `No browser on this machine? dmshare login ${service.provider} --device shows a code to enter on another device instead.`,
      );
    }
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
  return {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token ?? undefined,
    expiresAt: tokens.expiry_date ? new Date(tokens.expiry_date).toISOString() : undefined,
  };
}

// ---- the device authorization grant ("OAuth 2.0 for TV and Limited-Input Device Applications")

const DEVICE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code";
/**
 * The scopes dmshare uses that Google allows in the device flow (its "Allowed scopes" list:
 * Drive's drive.file and drive.appdata, sign-in, YouTube; not the Photos Library API).
 */
const DEVICE_FLOW_SCOPES = new Set(["https://www.googleapis.com/auth/drive.file"]);
/** RFC 8628 §3.5: after `slow_down` the interval grows by 5 seconds, for good. */
const SLOW_DOWN_STEP_MS = 5000;
const DEFAULT_INTERVAL_SECONDS = 5;

const canUseDeviceFlow = (service: GoogleService) =>
  service.scopes.every((scope) => DEVICE_FLOW_SCOPES.has(scope));

function refuseScopesOutsideDeviceFlow(service: GoogleService): void {
  if (canUseDeviceFlow(service)) return;
  throw usageError(
    `${service.label} can't be logged in to with --device: Google allows the device login only for a few scopes, and ${service.scopes.join(", ")} is not one of them.`,
    `Log in on a machine with a browser, or here with --no-browser and the printed URL opened through an SSH tunnel to the loopback port (--port N), or give a token: dmshare login ${service.provider} --token -`,
  );
}

/**
 * The page a person is sent to for the device code: Google's own (`https://www.google.com/device`),
 * or, when DMSHARE_GOOGLE_API_URL points at an emulator, the page it names. Anything else, or a
 * URL with control characters or spaces, is not shown: it came from an answer dmshare can't
 * trust.
 */
function isVerificationPage(ctx: Ctx, text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (withoutControls(text) !== text || /\s/.test(text)) return false;
  // An emulator (or a proxy in front of one) serves its own page, on whatever host it names.
  if (baseUrlOverride(ctx, "DMSHARE_GOOGLE_API_URL", "Google")) {
    return url.protocol === "http:" || url.protocol === "https:";
  }
  return url.protocol === "https:" && ["www.google.com", "google.com"].includes(url.hostname);
}

/** Errors of `postForm` that mean Google could not be reached: a poll may simply try again. */
const unreachableErrors = new WeakSet<Error>();

interface FormAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** POSTs a form to a Google OAuth endpoint; the JSON answer whatever the status. */
async function postForm(
  ctx: Ctx,
  url: string,
  form: Record<string, string>,
  action: string,
): Promise<FormAnswer> {
  let response: Response;
  let text: string;
  try {
    // Through the guarded fetch: the client secret goes to Google's hosts only (a redirect
    // elsewhere is refused), and a silent or dripping answer ends within the call bounds.
    response = await providerFetch(
      ctx,
      "Google",
      googleHosts(ctx),
    )(url, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form).toString(),
      signal: ctx.signal,
    });
    text = await response.text();
  } catch (error) {
    if (ctx.signal.aborted) throw interruptedError("the login was not finished.");
    // A refusal of the guarded fetch (a redirect to another host, say) ends the login.
    if (error instanceof DmshareError) throw error;
    const unreachable = providerError(
      `Could not reach Google to ${action}.`,
      "Check your network connection and try again.",
      error,
    );
    unreachableErrors.add(unreachable);
    throw unreachable;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return {
    status: response.status,
    body: body !== null && typeof body === "object" ? (body as Record<string, unknown>) : {},
  };
}

const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
const count = (value: unknown) =>
  typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;

/** Google's refusal in one phrase: `description (error)`. */
const refusal = (body: Record<string, unknown>, status: number) => {
  const error = text(body.error) ?? `HTTP ${status}`;
  const description = text(body.error_description);
  return description && description !== error ? `${description} (${error})` : error;
};

async function deviceLogin(
  ctx: Ctx,
  request: LoginRequest,
  ui: LoginUi,
  service: GoogleService,
  client: ClientConfig,
): Promise<LoginTokens> {
  const endpoints = googleEndpoints(ctx);
  const again = `dmshare login ${service.provider} --device`;
  const started = await postForm(
    ctx,
    endpoints.deviceCodeUrl,
    { client_id: client.clientId, scope: service.scopes.join(" ") },
    "start the device login",
  );
  if (started.status !== 200) {
    const reason = refusal(started.body, started.status);
    if (started.body.error === "invalid_client") {
      throw usageError(
        `Google refused the OAuth client ${client.clientId} for the device login: ${reason}.`,
        `The device login needs a client of type "TVs and Limited Input devices" (${README_SECTION}: ${CONSOLE}): ${again} --client-id ID --client-secret SECRET`,
      );
    }
    throw providerError(
      `Google refused to start the device login: ${reason}.`,
      started.status >= 500
        ? "Try again later."
        : `Log in without --device: dmshare login ${service.provider}`,
    );
  }
  const deviceCode = text(started.body.device_code);
  const userCode = text(started.body.user_code);
  const verificationUrl = text(started.body.verification_url ?? started.body.verification_uri);
  const expiresIn = count(started.body.expires_in);
  if (
    !deviceCode ||
    !userCode ||
    !/^[A-Za-z0-9-]{1,32}$/.test(userCode) ||
    !verificationUrl ||
    !isVerificationPage(ctx, verificationUrl) ||
    !expiresIn
  ) {
    throw providerError(
      "Google's answer to the device login lacks the code or the page to enter it on.",
      `Try again later, or log in without --device: dmshare login ${service.provider}`,
    );
  }
  let intervalMs = (count(started.body.interval) ?? DEFAULT_INTERVAL_SECONDS) * 1000;
  ui.showDeviceCode(verificationUrl, userCode, expiresIn);

  const deadline = Date.now() + request.timeoutMs;
  let unreachable: unknown;
  for (;;) {
    try {
      await sleep(intervalMs, undefined, { signal: ctx.signal });
    } catch {
      throw interruptedError("the login was not finished.");
    }
    if (Date.now() > deadline) {
      throw authError(
        `No answer from the ${service.label} login within ${Math.round(request.timeoutMs / 1000)} s${unreachable ? " (Google could not be reached)" : ""}.`,
        `Run ${again} again and enter the code; --timeout SECONDS waits longer.`,
      );
    }
    let answer: FormAnswer;
    try {
      answer = await postForm(
        ctx,
        endpoints.tokenUrl,
        {
          client_id: client.clientId,
          client_secret: client.clientSecret,
          device_code: deviceCode,
          grant_type: DEVICE_GRANT_TYPE,
        },
        "finish the device login",
      );
    } catch (error) {
      if (!(error instanceof DmshareError) || !unreachableErrors.has(error)) throw error;
      unreachable = error; // a dropped connection: ask again at the next interval
      continue;
    }
    if (answer.status === 200) return deviceTokens(ctx, answer.body, again);
    switch (answer.body.error) {
      case "authorization_pending":
        continue;
      case "slow_down":
        intervalMs += SLOW_DOWN_STEP_MS;
        continue;
      case "access_denied":
        throw authError(
          `${service.label} login was not completed: access was denied on Google's page.`,
          `Run ${again} again and press Allow.`,
        );
      case "expired_token":
        throw authError(
          `The code ${userCode} expired before it was entered and allowed.`,
          `Run ${again} again and enter the new code within ${Math.round(expiresIn / 60)} min.`,
        );
    }
    if (answer.status >= 500) continue;
    throw authError(
      `Google did not finish the device login: ${refusal(answer.body, answer.status)}.`,
      `Run ${again} again.`,
    );
  }
}

function deviceTokens(ctx: Ctx, body: Record<string, unknown>, again: string): LoginTokens {
  const accessToken = text(body.access_token);
  if (!accessToken) {
    throw authError("Google's answer carried no access token.", `Run ${again} again.`);
  }
  const expiresIn = count(body.expires_in);
  return {
    accessToken,
    refreshToken: text(body.refresh_token),
    expiresAt: expiresIn
      ? new Date(ctx.now().getTime() + expiresIn * 1000).toISOString()
      : undefined,
  };
}
