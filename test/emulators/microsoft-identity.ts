// The Microsoft identity platform (login.microsoftonline.com, v2.0 endpoints) as dmshare's
// OneDrive login uses it, written from Microsoft's public references ("OAuth 2.0 authorization
// code flow", "Refresh tokens", "OAuth 2.0 device authorization grant", "AADSTS error codes"):
//
//   /{tenant}/oauth2/v2.0/authorize   the sign-in and consent page (GET, the form POSTs back)
//   /{tenant}/oauth2/v2.0/token       authorization_code (+ PKCE), refresh_token, device_code
//   /{tenant}/oauth2/v2.0/devicecode  the device authorization request
//   /devicelogin                      the page where a person enters the device's code
//
// Strict where Microsoft is strict: a public client (the "Mobile and desktop applications"
// platform) must present no client secret; its redirect URI is one registered with it, where a
// registered `http://localhost` matches any port; a code is redeemed once, with its PKCE
// verifier and the same redirect URI; the device code grant needs "Allow public client flows".
// Refresh tokens rotate, and this emulator invalidates the old one at once (the docs allow it
// and tell clients to keep only the newest). Access tokens are opaque, as for personal
// accounts; the Graph emulator asks `check()` what one grants.

import { createHash, randomBytes } from "node:crypto";
import { type Exchange, escapeHtml, htmlPage, type Reply } from "./http.ts";

export interface MicrosoftApp {
  /** The Application (client) ID, a GUID. */
  clientId: string;
  displayName?: string;
  /** Redirect URIs of the "Mobile and desktop applications" platform; default http://localhost. */
  redirectUris?: string[];
  /** "Allow public client flows" (Authentication blade): needed for the device code grant. */
  publicClientFlows?: boolean;
}

export interface MicrosoftAccount {
  displayName: string;
  userPrincipalName: string;
  /** The user's object id. */
  id: string;
}

export type AccessCheck =
  | { ok: true; clientId: string; scopes: ReadonlySet<string> }
  | { ok: false; reason: "missing" | "invalid" | "expired" };

/** Where the Graph emulator keeps the access tokens it accepts (microsoft-tokens.ts). */
export interface SharedTokens {
  grant(
    token: string,
    grant: { scopes: string[]; expiresAt: number | null; clientId?: string },
  ): void;
  expireAll(): void;
}

export interface IdentityOptions {
  account: MicrosoftAccount;
  /** The apps registered in Microsoft Entra that may log in. */
  apps?: MicrosoftApp[];
  /** Graph's token store: tokens issued here are granted there, with Graph's scope names. */
  tokens?: SharedTokens;
  accessTokenLifetimeSeconds?: number;
  /** The polling interval /devicecode hands out, in seconds (Microsoft: 5). */
  deviceIntervalSeconds?: number;
  now?: () => number;
}

/** The app the emulator run on its own lets log in (`--app` adds others). */
export const DEFAULT_APP_ID = "00000000-0000-4000-8000-00000000d5e1";
const GRAPH = "https://graph.microsoft.com/";
/** Microsoft Graph delegated permissions the consent page knows, with the line it shows. */
const GRAPH_SCOPES: Record<string, string> = {
  "User.Read": "Sign you in and read your profile",
  "Files.Read": "Read your files",
  "Files.Read.All": "Read all files that you have access to",
  "Files.ReadWrite": "Have full access to your files",
  "Files.ReadWrite.All": "Have full access to all files you have access to",
  "Files.ReadWrite.AppFolder": "Have full access to the application's folder",
  "Sites.ReadWrite.All": "Edit or delete items in all site collections",
};
/** OpenID Connect scopes: no resource, only what the token endpoint hands out. */
const OIDC_SCOPES: Record<string, string> = {
  openid: "Sign you in",
  profile: "View your basic profile",
  email: "View your email address",
  offline_access: "Maintain access to data you have given it access to",
};
const TENANTS = new Set(["common", "consumers", "organizations"]);
const DEVICE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code";
const CODE_LIFETIME_MS = 10 * 60 * 1000;
/** "From the moment the request is sent, the user has 15 minutes to sign in." */
const DEVICE_CODE_LIFETIME_SECONDS = 900;
const USER_CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const TOKEN_HEADERS = { "Cache-Control": "no-store", Pragma: "no-cache" };

interface Consent {
  app: MicrosoftApp;
  redirectUri: string;
  state?: string;
  codeChallenge?: string;
  challengeMethod: "S256" | "plain";
  /** Full names: `https://graph.microsoft.com/Files.ReadWrite.AppFolder`, `offline_access`. */
  scopes: string[];
}

interface AccessRecord {
  clientId: string;
  scopes: string[];
  expiresAt: number;
}

interface RefreshRecord {
  clientId: string;
  scopes: string[];
  /** Redeemed (rotated away) or revoked: refused from then on. */
  state: "live" | "used" | "revoked";
}

interface DeviceGrant {
  app: MicrosoftApp;
  userCode: string;
  scopes: string[];
  expiresAt: number;
  interval: number;
  lastPollAt?: number;
  decision?: "allow" | "deny";
  used: boolean;
  slowDowns: number;
}

const randomText = (length: number, alphabet: string) =>
  [...randomBytes(length)].map((byte) => alphabet[byte % alphabet.length]).join("");
const opaqueToken = (prefix: string, length: number) =>
  `${prefix}${randomBytes(length).toString("base64url")}`;

function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", ...headers },
    body: JSON.stringify(body),
  };
}

/**
 * The token endpoint's error shape: error, error_description ("AADSTS…: text" with trace
 * lines), error_codes, timestamp, trace_id, correlation_id, error_uri.
 */
export function identityError(status: number, error: string, code: number, text: string): Reply {
  const timestamp = new Date().toISOString().replace("T", " ").slice(0, 19);
  const traceId = crypto.randomUUID();
  const correlationId = crypto.randomUUID();
  return json(
    status,
    {
      error,
      error_description: `AADSTS${code}: ${text} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}Z`,
      error_codes: [code],
      timestamp: `${timestamp}Z`,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
    TOKEN_HEADERS,
  );
}

/** The sign-in page's error: "Sorry, but we're having trouble signing you in." */
function errorPage(code: number, text: string): Reply {
  return htmlPage(
    400,
    "Sign in to your account",
    `<h1>Sorry, but we’re having trouble signing you in.</h1>
<p id="error">AADSTS${code}: ${escapeHtml(text)}</p>`,
  );
}

function withQuery(uri: string, params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) query.set(name, value);
  }
  return `${uri}${uri.includes("?") ? "&" : "?"}${query}`;
}

/**
 * Whether `requested` is one of the app's redirect URIs. A registered http://localhost (any
 * path) matches the same URI on any port, as Microsoft documents for desktop apps; anything
 * else must match exactly, and 127.0.0.1 only when registered as such.
 */
function matchesRegistered(requested: string, registered: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(requested);
  } catch {
    return false;
  }
  return registered.some((entry) => {
    if (entry === requested) return true;
    const known = new URL(entry);
    return (
      known.protocol === "http:" &&
      known.hostname === "localhost" &&
      url.protocol === "http:" &&
      url.hostname === "localhost" &&
      url.pathname === known.pathname &&
      url.search === "" &&
      url.hash === ""
    );
  });
}

/** `Files.ReadWrite.AppFolder` → its full name; unknown scopes → undefined. */
function fullScope(scope: string): string | undefined {
  const bare = scope.startsWith(GRAPH) ? scope.slice(GRAPH.length) : scope;
  const graph = Object.keys(GRAPH_SCOPES).find((name) => name.toLowerCase() === bare.toLowerCase());
  if (graph) return `${GRAPH}${graph}`;
  return Object.keys(OIDC_SCOPES).find((name) => name === scope.toLowerCase());
}

const describeScope = (scope: string) =>
  GRAPH_SCOPES[scope.slice(GRAPH.length)] ?? OIDC_SCOPES[scope] ?? scope;

type Scopes = { ok: true; scopes: string[] } | { ok: false; invalid: string };

function parseScopes(text: string | null): Scopes {
  const requested = (text ?? "").split(/\s+/).filter(Boolean);
  const scopes: string[] = [];
  for (const scope of requested) {
    const full = fullScope(scope);
    if (!full) return { ok: false, invalid: scope };
    if (!scopes.includes(full)) scopes.push(full);
  }
  if (scopes.length === 0) return { ok: false, invalid: "" };
  return { ok: true, scopes };
}

export class MicrosoftIdentity {
  readonly account: MicrosoftAccount;
  /** Every scope string a client asked for, in order: tests check dmshare asks for no more. */
  readonly requestedScopes: string[] = [];
  private readonly accessTokenLifetimeSeconds: number;
  private readonly deviceIntervalSeconds: number;
  private readonly now: () => number;
  private readonly shared: SharedTokens | undefined;
  private readonly apps = new Map<string, MicrosoftApp>();
  private readonly consents = new Map<string, Consent>();
  private readonly codes = new Map<string, Consent & { expiresAt: number; used: boolean }>();
  private readonly accessTokens = new Map<string, AccessRecord>();
  private readonly refreshTokens = new Map<string, RefreshRecord>();
  private readonly deviceGrants = new Map<string, DeviceGrant>();
  private readonly deviceCodeByUserCode = new Map<string, string>();
  private readonly deviceConsents = new Map<string, string>();

  constructor(options: IdentityOptions) {
    this.account = options.account;
    this.accessTokenLifetimeSeconds = options.accessTokenLifetimeSeconds ?? 3600;
    this.deviceIntervalSeconds = options.deviceIntervalSeconds ?? 5;
    this.now = options.now ?? Date.now;
    this.shared = options.tokens;
    for (const app of options.apps ?? []) this.registerApp(app);
  }

  /** For the Graph emulator's `identity` option: every identity path, else a 404. */
  handle(exchange: Exchange): Reply {
    return (
      this.route(exchange) ??
      identityError(404, "not_found", 90002, `No route ${exchange.url.pathname}.`)
    );
  }

  registerApp(app: MicrosoftApp): void {
    this.apps.set(app.clientId, { redirectUris: ["http://localhost"], ...app });
  }

  /** Answers the identity platform's paths; undefined for any other path. */
  route(exchange: Exchange): Reply | undefined {
    const reply = this.answer(exchange);
    if (reply && reply.status >= 400 && typeof reply.body === "string") {
      // The log names the refusal (`authorization_pending: AADSTS70016`), never a token.
      const error = /"error":"([^"]+)".*?"error_codes":\[(\d+)/.exec(reply.body);
      if (error) exchange.record.errorSummary = `${error[1]}: AADSTS${error[2]}`;
    }
    return reply;
  }

  private answer(exchange: Exchange): Reply | undefined {
    const path = exchange.url.pathname;
    if (path === "/devicelogin") return this.devicePage(exchange);
    const match = /^\/([^/]+)\/oauth2\/v2\.0\/(authorize|token|devicecode)$/.exec(path);
    if (!match?.[1] || !match[2]) return undefined;
    if (!TENANTS.has(match[1])) {
      return identityError(400, "invalid_tenant", 90002, `Tenant '${match[1]}' not found.`);
    }
    if (match[2] === "authorize") return this.authorize(exchange);
    if (exchange.method !== "POST") {
      return identityError(
        405,
        "invalid_request",
        900561,
        "The endpoint only accepts POST requests.",
      );
    }
    return match[2] === "token" ? this.token(exchange) : this.deviceCode(exchange);
  }

  /** What an access token grants, for the Graph emulator. */
  check(accessToken: string | undefined): AccessCheck {
    if (!accessToken) return { ok: false, reason: "missing" };
    const record = this.accessTokens.get(accessToken);
    if (!record) return { ok: false, reason: "invalid" };
    if (record.expiresAt <= this.now()) return { ok: false, reason: "expired" };
    return { ok: true, clientId: record.clientId, scopes: new Set(record.scopes) };
  }

  /** Tokens as a consented login would give them, for tests that start logged in. */
  issue(
    clientId: string,
    scopes: readonly string[],
  ): { accessToken: string; refreshToken: string } {
    const full = scopes.map((scope) => fullScope(scope) ?? scope);
    return {
      accessToken: this.newAccessToken(clientId, full),
      refreshToken: this.newRefreshToken(clientId, full),
    };
  }

  /** Every access token issued so far stops working (as after its lifetime). */
  expireAccessTokens(): void {
    for (const record of this.accessTokens.values()) record.expiresAt = this.now() - 1000;
    this.shared?.expireAll();
  }

  /** Every refresh token is revoked (the user removed the app's consent, or a password reset). */
  revokeRefreshTokens(): void {
    for (const record of this.refreshTokens.values()) record.state = "revoked";
  }

  /** Whether a refresh token is still accepted (a rotated one is not). */
  refreshTokenState(token: string): RefreshRecord["state"] | "unknown" {
    return this.refreshTokens.get(token)?.state ?? "unknown";
  }

  expireDeviceCodes(): void {
    for (const grant of this.deviceGrants.values()) grant.expiresAt = this.now() - 1000;
  }

  /** The next `times` polls of every device code are answered slow_down (RFC 8628 §3.5). */
  slowDownDevicePolls(times = 1): void {
    for (const grant of this.deviceGrants.values()) grant.slowDowns += times;
  }

  // ---- the sign-in and consent page --------------------------------------------------------

  private authorize(exchange: Exchange): Reply {
    if (exchange.method === "POST") {
      const form = new URLSearchParams(exchange.body.toString("utf8"));
      exchange.record.arg = Object.fromEntries(form);
      return this.decide(form);
    }
    if (exchange.method !== "GET") return errorPage(900561, "The endpoint only accepts GET.");
    const params = exchange.url.searchParams;
    exchange.record.arg = Object.fromEntries(params);
    const consent = this.readAuthorizeRequest(params);
    if ("status" in consent) return consent;
    if (params.get("prompt") === "none") {
      const location = withQuery(consent.redirectUri, {
        error: "interaction_required",
        error_description:
          "AADSTS65001: The user or administrator has not consented to use the application.",
        state: consent.state,
      });
      return { status: 302, headers: { Location: location } };
    }
    const id = randomText(32, USER_CODE_LETTERS);
    this.consents.set(id, consent);
    return this.consentHtml(consent.app, consent.scopes, exchange.url.pathname, id);
  }

  /** Checks an authorization request as the sign-in page does; an error page when it fails. */
  private readAuthorizeRequest(params: URLSearchParams): Consent | Reply {
    const clientId = params.get("client_id");
    if (!clientId) {
      return errorPage(
        900144,
        "The request body must contain the following parameter: 'client_id'.",
      );
    }
    const app = this.apps.get(clientId);
    if (!app) {
      return errorPage(
        700016,
        `Application with identifier '${clientId}' was not found in the directory 'Microsoft Accounts'.`,
      );
    }
    const redirectUri = params.get("redirect_uri") ?? app.redirectUris?.[0] ?? "";
    if (!matchesRegistered(redirectUri, app.redirectUris ?? [])) {
      return errorPage(
        50011,
        `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'.`,
      );
    }
    if (params.get("response_type") !== "code") {
      return errorPage(
        900144,
        "The request body must contain the following parameter: 'response_type' (code).",
      );
    }
    const scopes = parseScopes(params.get("scope"));
    if (!scopes.ok) {
      return errorPage(
        70011,
        `The provided value for the input parameter 'scope' is not valid. The scope '${scopes.invalid}' does not exist.`,
      );
    }
    this.requestedScopes.push(params.get("scope") ?? "");
    const codeChallenge = params.get("code_challenge") ?? undefined;
    const method = params.get("code_challenge_method") ?? "plain";
    if (codeChallenge !== undefined && method !== "S256" && method !== "plain") {
      return errorPage(501491, "Invalid code_challenge_method.");
    }
    if (codeChallenge !== undefined && !/^[A-Za-z0-9._~-]{43,128}$/.test(codeChallenge)) {
      return errorPage(501491, "Invalid size of Code_Challenge parameter.");
    }
    return {
      app,
      redirectUri,
      state: params.get("state") ?? undefined,
      codeChallenge,
      challengeMethod: method === "S256" ? "S256" : "plain",
      scopes: scopes.scopes,
    };
  }

  /** "Let this app access your info?" for the account, with Accept and Cancel. */
  private consentHtml(app: MicrosoftApp, scopes: string[], action: string, id: string): Reply {
    const name = escapeHtml(app.displayName ?? app.clientId);
    return htmlPage(
      200,
      "Permissions requested",
      `<h1>Let this app access your info?</h1>
<p>${escapeHtml(this.account.displayName)} (${escapeHtml(this.account.userPrincipalName)})</p>
<p>${name} needs your permission to:</p>
<ul>
${scopes.map((scope) => `<li title="${escapeHtml(scope)}">${escapeHtml(describeScope(scope))}</li>`).join("\n")}
</ul>
<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="consent_id" value="${id}">
<button type="submit" name="decision" value="deny">Cancel</button>
<button type="submit" name="decision" value="allow">Accept</button>
</form>`,
    );
  }

  private decide(form: URLSearchParams): Reply {
    const id = form.get("consent_id") ?? "";
    const consent = this.consents.get(id);
    if (!consent) return errorPage(90014, "The sign-in request has expired or was already used.");
    this.consents.delete(id);
    if (form.get("decision") !== "allow") {
      const location = withQuery(consent.redirectUri, {
        error: "access_denied",
        error_description: "AADSTS65004: User declined to consent to access the app.",
        state: consent.state,
      });
      return { status: 302, headers: { Location: location } };
    }
    const code = opaqueToken("M.C5", 96);
    this.codes.set(code, { ...consent, expiresAt: this.now() + CODE_LIFETIME_MS, used: false });
    const location = withQuery(consent.redirectUri, { code, state: consent.state });
    return { status: 302, headers: { Location: location } };
  }

  // ---- the token endpoint ------------------------------------------------------------------

  private token(exchange: Exchange): Reply {
    const params = new URLSearchParams(exchange.body.toString("utf8"));
    exchange.record.arg = redact(params);
    const grantType = params.get("grant_type") ?? "";
    if (!["authorization_code", "refresh_token", DEVICE_GRANT_TYPE].includes(grantType)) {
      const text = grantType
        ? `The provided value for the input parameter 'grant_type' is not valid.`
        : "The request body must contain the following parameter: 'grant_type'.";
      return identityError(
        400,
        grantType ? "unsupported_grant_type" : "invalid_request",
        grantType ? 70003 : 900144,
        text,
      );
    }
    const clientId = params.get("client_id");
    if (!clientId) {
      return identityError(
        400,
        "invalid_request",
        900144,
        "The request body must contain the following parameter: 'client_id'.",
      );
    }
    const app = this.apps.get(clientId);
    if (!app) {
      return identityError(
        400,
        "unauthorized_client",
        700016,
        `Application with identifier '${clientId}' was not found in the directory 'Microsoft Accounts'.`,
      );
    }
    if (params.has("client_secret") || params.has("client_assertion")) {
      return identityError(
        401,
        "invalid_client",
        700025,
        "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
      );
    }
    if (grantType === DEVICE_GRANT_TYPE) return this.pollDevice(params, app);
    return grantType === "authorization_code"
      ? this.redeemCode(params, app)
      : this.refresh(params, app);
  }

  private redeemCode(params: URLSearchParams, app: MicrosoftApp): Reply {
    const code = params.get("code");
    if (!code) {
      return identityError(
        400,
        "invalid_request",
        900144,
        "The request body must contain the following parameter: 'code'.",
      );
    }
    const grant = this.codes.get(code);
    if (!grant || grant.app.clientId !== app.clientId) {
      return identityError(
        400,
        "invalid_grant",
        9002313,
        "Invalid request. Request is malformed or invalid.",
      );
    }
    if (grant.used) {
      return identityError(
        400,
        "invalid_grant",
        54005,
        "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
      );
    }
    if (grant.expiresAt <= this.now()) {
      return identityError(
        400,
        "invalid_grant",
        70008,
        "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
      );
    }
    if (params.get("redirect_uri") !== grant.redirectUri) {
      return identityError(
        400,
        "invalid_grant",
        50011,
        "The redirect URI specified in the request does not match the redirect URI used to obtain the authorization code.",
      );
    }
    if (grant.codeChallenge !== undefined) {
      const verifier = params.get("code_verifier");
      if (!verifier) {
        return identityError(
          400,
          "invalid_request",
          50148,
          "The code_verifier provided does not match the code_challenge supplied in the authorization request for PKCE.",
        );
      }
      const computed =
        grant.challengeMethod === "S256"
          ? createHash("sha256").update(verifier).digest("base64url")
          : verifier;
      if (computed !== grant.codeChallenge) {
        return identityError(
          400,
          "invalid_grant",
          501481,
          "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
        );
      }
    }
    grant.used = true;
    return this.grantedTokens(app.clientId, grant.scopes);
  }

  /** A refresh token is good once: the answer carries the next one, and this one is spent. */
  private refresh(params: URLSearchParams, app: MicrosoftApp): Reply {
    const token = params.get("refresh_token");
    if (!token) {
      return identityError(
        400,
        "invalid_request",
        900144,
        "The request body must contain the following parameter: 'refresh_token'.",
      );
    }
    const record = this.refreshTokens.get(token);
    if (!record || record.state === "used") {
      return identityError(400, "invalid_grant", 70000, "Provided grant is invalid or malformed.");
    }
    if (record.state === "revoked") {
      return identityError(
        400,
        "invalid_grant",
        50173,
        "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.",
      );
    }
    if (record.clientId !== app.clientId) {
      return identityError(400, "invalid_grant", 70000, "Provided grant is invalid or malformed.");
    }
    const requested = parseScopes(params.get("scope") ?? record.scopes.join(" "));
    if (!requested.ok) {
      return identityError(
        400,
        "invalid_scope",
        70011,
        `The provided value for the input parameter 'scope' is not valid. The scope '${requested.invalid}' does not exist.`,
      );
    }
    const wider = requested.scopes.filter((scope) => !record.scopes.includes(scope));
    if (wider.length > 0) {
      return identityError(
        400,
        "invalid_grant",
        65001,
        `The user or administrator has not consented to use the application with ID '${app.clientId}'. Send an interactive authorization request for this user and resource.`,
      );
    }
    record.state = "used";
    return this.grantedTokens(app.clientId, requested.scopes);
  }

  /** Tokens for granted scopes: a refresh token only with offline_access. */
  private grantedTokens(clientId: string, scopes: string[]): Reply {
    const resource = scopes.filter((scope) => scope.startsWith(GRAPH));
    const lifetime = this.accessTokenLifetimeSeconds;
    return json(
      200,
      {
        token_type: "Bearer",
        scope: resource.join(" "),
        expires_in: lifetime,
        ext_expires_in: lifetime,
        access_token: this.newAccessToken(clientId, resource),
        refresh_token: scopes.includes("offline_access")
          ? this.newRefreshToken(clientId, scopes)
          : undefined,
      },
      TOKEN_HEADERS,
    );
  }

  // ---- the device authorization grant ------------------------------------------------------

  private deviceCode(exchange: Exchange): Reply {
    const params = new URLSearchParams(exchange.body.toString("utf8"));
    exchange.record.arg = Object.fromEntries(params);
    const clientId = params.get("client_id");
    const app = clientId ? this.apps.get(clientId) : undefined;
    if (!clientId || !app) {
      return identityError(
        400,
        "unauthorized_client",
        700016,
        `Application with identifier '${clientId ?? ""}' was not found in the directory 'Microsoft Accounts'.`,
      );
    }
    const scopes = parseScopes(params.get("scope"));
    if (!scopes.ok) {
      return identityError(
        400,
        "invalid_scope",
        70011,
        `The provided value for the input parameter 'scope' is not valid. The scope '${scopes.invalid}' does not exist.`,
      );
    }
    this.requestedScopes.push(params.get("scope") ?? "");
    const deviceCode = opaqueToken("DAQABIQEAAA", 120);
    const userCode = randomText(9, USER_CODE_LETTERS);
    this.deviceGrants.set(deviceCode, {
      app,
      userCode,
      scopes: scopes.scopes,
      expiresAt: this.now() + DEVICE_CODE_LIFETIME_SECONDS * 1000,
      interval: this.deviceIntervalSeconds,
      used: false,
      slowDowns: 0,
    });
    this.deviceCodeByUserCode.set(userCode, deviceCode);
    // https://microsoft.com/devicelogin on the real service; here the emulator's own page.
    const page = `http://${exchange.headers.host ?? "127.0.0.1"}/devicelogin`;
    return json(200, {
      user_code: userCode,
      device_code: deviceCode,
      verification_uri: page,
      expires_in: DEVICE_CODE_LIFETIME_SECONDS,
      interval: this.deviceIntervalSeconds,
      message: `To sign in, use a web browser to open the page ${page} and enter the code ${userCode} to authenticate.`,
    });
  }

  /** GET: the form for the code; POST user_code: the consent page; POST consent_id: decided. */
  private devicePage(exchange: Exchange): Reply {
    if (exchange.method === "GET") return this.enterCodePage("");
    const form = new URLSearchParams(exchange.body.toString("utf8"));
    exchange.record.arg = Object.fromEntries(form);
    const consentId = form.get("consent_id");
    if (consentId !== null) {
      const deviceCode = this.deviceConsents.get(consentId);
      const grant = deviceCode === undefined ? undefined : this.deviceGrants.get(deviceCode);
      if (!grant || grant.expiresAt <= this.now()) {
        return errorPage(70019, "Verification code expired.");
      }
      this.deviceConsents.delete(consentId);
      grant.decision = form.get("decision") === "allow" ? "allow" : "deny";
      return grant.decision === "allow"
        ? htmlPage(
            200,
            "Microsoft",
            `<h1>You have signed in to the ${escapeHtml(grant.app.displayName ?? grant.app.clientId)} application on your device.</h1><p>You may now close this window.</p>`,
          )
        : htmlPage(
            200,
            "Microsoft",
            "<h1>You declined to sign in to the application on your device.</h1>",
          );
    }
    const typed = (form.get("user_code") ?? "").trim().toUpperCase();
    const deviceCode = this.deviceCodeByUserCode.get(typed);
    const grant = deviceCode === undefined ? undefined : this.deviceGrants.get(deviceCode);
    if (!grant || deviceCode === undefined || grant.expiresAt <= this.now() || grant.decision) {
      return this.enterCodePage("That code didn't work. Check the code and try again.");
    }
    const id = randomText(32, USER_CODE_LETTERS);
    this.deviceConsents.set(id, deviceCode);
    return this.consentHtml(grant.app, grant.scopes, "/devicelogin", id);
  }

  private enterCodePage(error: string): Reply {
    return htmlPage(
      error ? 400 : 200,
      "Enter code",
      `<h1>Enter code</h1>
${error ? `<p id="error">${escapeHtml(error)}</p>\n` : ""}<form method="post" action="/devicelogin">
<label>Enter the code displayed on your app or device. <input type="text" name="user_code"></label>
<button type="submit">Next</button>
</form>`,
    );
  }

  private pollDevice(params: URLSearchParams, app: MicrosoftApp): Reply {
    if (!app.publicClientFlows) {
      return identityError(
        401,
        "invalid_client",
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      );
    }
    const deviceCode = params.get("device_code") ?? params.get("code");
    const grant = deviceCode ? this.deviceGrants.get(deviceCode) : undefined;
    if (!grant || grant.used || grant.app.clientId !== app.clientId) {
      return identityError(
        400,
        "bad_verification_code",
        70000,
        "The device_code sent to the token endpoint was not recognized.",
      );
    }
    const now = this.now();
    if (grant.expiresAt <= now) {
      return identityError(400, "expired_token", 70019, "Verification code expired.");
    }
    const tooSoon =
      grant.lastPollAt !== undefined && now - grant.lastPollAt < grant.interval * 1000;
    grant.lastPollAt = now;
    if (grant.slowDowns > 0 || (tooSoon && grant.interval > this.deviceIntervalSeconds)) {
      grant.slowDowns = Math.max(0, grant.slowDowns - 1);
      grant.interval += 5;
      return identityError(
        400,
        "slow_down",
        70016,
        "Polling too frequently; wait 5 seconds longer between polls.",
      );
    }
    if (grant.decision === "deny") {
      return identityError(
        400,
        "authorization_declined",
        70000,
        "The end user denied the authorization request.",
      );
    }
    if (grant.decision !== "allow") {
      return identityError(
        400,
        "authorization_pending",
        70016,
        "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
      );
    }
    grant.used = true;
    return this.grantedTokens(app.clientId, grant.scopes);
  }

  private newAccessToken(clientId: string, scopes: string[]): string {
    const token = opaqueToken("EwB", 180);
    const expiresAt = this.now() + this.accessTokenLifetimeSeconds * 1000;
    this.accessTokens.set(token, { clientId, scopes: [...scopes], expiresAt });
    // Graph names its permissions without the resource: Files.ReadWrite.AppFolder.
    const graphScopes = scopes.map((scope) => scope.replace(GRAPH, ""));
    this.shared?.grant(token, { scopes: graphScopes, expiresAt, clientId });
    return token;
  }

  private newRefreshToken(clientId: string, scopes: string[]): string {
    const token = opaqueToken("M.C5", 200);
    this.refreshTokens.set(token, { clientId, scopes: [...scopes], state: "live" });
    return token;
  }
}

/** The token request as logged: which secrets were sent, not their values. */
function redact(params: URLSearchParams): Record<string, string> {
  const secret = ["client_secret", "code", "code_verifier", "refresh_token", "device_code"];
  return Object.fromEntries(
    [...params].map(([name, value]) => [name, secret.includes(name) ? "[redacted]" : value]),
  );
}

/**
 * The identity platform for the Graph emulator's `identity` option, on its base URL and with
 * its token store and account:
 *
 *   let identity!: MicrosoftIdentity;
 *   startMicrosoftEmulator({ identity: mountIdentity({ apps }, (made) => (identity = made)) })
 */
export function mountIdentity(
  settings: Omit<IdentityOptions, "account" | "tokens" | "now">,
  made: (identity: MicrosoftIdentity) => void = () => {},
) {
  return (context: {
    tokens: SharedTokens;
    account: { displayName: string; email: string };
    now: () => number;
  }): MicrosoftIdentity => {
    const identity = new MicrosoftIdentity({
      ...settings,
      tokens: context.tokens,
      now: context.now,
      account: {
        displayName: context.account.displayName,
        userPrincipalName: context.account.email,
        id: "00000000-0000-0000-0001-000000000001",
      },
    });
    made(identity);
    return identity;
  };
}
