// Google OAuth 2.0 for installed (Desktop) apps: the consent page at /o/oauth2/v2/auth
// (loopback redirect on any port, PKCE, state), the token endpoint at /token (code and
// refresh grants, client_secret required even with PKCE), /revoke, /tokeninfo, and the
// access tokens the API routes check. Also OAuth 2.0 for TV and limited-input devices:
// /device/code (only for "TVs and Limited Input devices" clients and the scopes Google
// allows there), the page at /device where the user enters the code and decides, and the
// device_code grant at /token (authorization_pending, slow_down, access_denied,
// expired_token).

import { createHash } from "node:crypto";
import { jsonReply, randomChars, readForm } from "./google-wire.ts";
import { type Exchange, escapeHtml, htmlPage, type Reply } from "./http.ts";

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  /** The application type chosen in the console; default "desktop". */
  type?: "desktop" | "tv";
}

export interface OAuthAccount {
  displayName: string;
  emailAddress: string;
  /** Stable numeric id of the account (Drive's permissionId, the OpenID `sub`). */
  id: string;
}

export type TokenCheck =
  | { ok: true; clientId: string; scopes: ReadonlySet<string> }
  | { ok: false; reason: "missing" | "invalid" };

const AUTH = "https://www.googleapis.com/auth/";

/** Scopes the consent page knows, with the line it shows for each. */
const SCOPE_DESCRIPTIONS: Record<string, string> = {
  [`${AUTH}drive`]: "See, edit, create, and delete all of your Google Drive files",
  [`${AUTH}drive.file`]:
    "See, edit, create, and delete only the specific Google Drive files you use with this app",
  [`${AUTH}drive.readonly`]: "See and download all your Google Drive files",
  [`${AUTH}drive.metadata`]: "View and manage metadata of files in your Google Drive",
  [`${AUTH}drive.metadata.readonly`]: "See information about your Google Drive files",
  [`${AUTH}drive.appdata`]:
    "See, create, and delete its own configuration data in your Google Drive",
  [`${AUTH}drive.photos.readonly`]: "View the photos, videos and albums in your Google Photos",
  [`${AUTH}photoslibrary.appendonly`]: "Add to your Google Photos library",
  [`${AUTH}photoslibrary.readonly.appcreateddata`]:
    "Manage photos added by this app and albums created by this app",
  [`${AUTH}photoslibrary.edit.appcreateddata`]:
    "Edit the info in your photos, videos, and albums created within this app",
  [`${AUTH}photospicker.mediaitems.readonly`]:
    "View and download the photos and videos you select in Google Photos",
  [`${AUTH}userinfo.email`]: "See your primary Google Account email address",
  [`${AUTH}userinfo.profile`]:
    "See your personal info, including any personal info you've made publicly available",
  openid: "Associate you with your personal info on Google",
};

/** Short names Google accepts and reports under their full name. */
const SCOPE_ALIASES: Record<string, string> = {
  email: `${AUTH}userinfo.email`,
  profile: `${AUTH}userinfo.profile`,
};

const CODE_LIFETIME_MS = 10 * 60 * 1000;
const DEVICE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code";
/** Google's device codes last 30 minutes. */
const DEVICE_CODE_LIFETIME_SECONDS = 1800;
/**
 * The scopes the device flow accepts (Google's "Allowed scopes" for TVs and limited-input
 * devices, of those the consent page knows): sign-in, and Drive's drive.file and
 * drive.appdata. The Photos Library scopes are not among them.
 */
const DEVICE_FLOW_SCOPES = new Set([
  "openid",
  `${AUTH}userinfo.email`,
  `${AUTH}userinfo.profile`,
  `${AUTH}drive.file`,
  `${AUTH}drive.appdata`,
]);
/** Letters Google's user codes are made of (no vowels, no look-alikes). */
const USER_CODE_LETTERS = "BCDFGHJKLMNPQRSTVWXZ";
const TOKEN_HEADERS = {
  "Cache-Control": "no-cache, no-store, max-age=0, must-revalidate",
  Pragma: "no-cache",
};

interface AccessTokenRecord {
  clientId: string;
  scopes: string[];
  expiresAt: number;
  refreshToken?: string;
  offline: boolean;
  /** Given in the options rather than issued by OAuth. */
  isStatic?: boolean;
}

interface RefreshTokenRecord {
  clientId: string;
  scopes: string[];
  revoked: boolean;
}

/** An authorization request waiting for the user's decision; then the code it produced. */
interface Grant {
  client: OAuthClient;
  redirectUri: string;
  state?: string;
  codeChallenge?: string;
  challengeMethod: "S256" | "plain";
  offline: boolean;
  /** A refresh token comes with the code: offline access, and consent was asked for. */
  issueRefreshToken: boolean;
  scopes: string[];
}

/** A device authorization waiting for the user on /device, then for the device to poll. */
interface DeviceGrant {
  client: OAuthClient;
  userCode: string;
  scopes: string[];
  expiresAt: number;
  /** Seconds the device must wait between polls; slow_down adds 5. */
  interval: number;
  lastPollAt?: number;
  decision?: "allow" | "deny";
  /** Tokens were issued: the device code is spent. */
  used: boolean;
  /** Polls the test asked to be answered with slow_down. */
  slowDowns: number;
}

/** Google's "Access blocked" page: `Error 400: redirect_uri_mismatch` and what went wrong. */
function errorPage(status: number, error: string, detail: string): Reply {
  return htmlPage(
    status,
    "Error",
    `<h1>Access blocked: Authorization Error</h1>
<p id="error"><b>Error ${status}: ${escapeHtml(error)}</b><br>${escapeHtml(detail)}</p>`,
  );
}

function tokenError(status: number, error: string, description: string): Reply {
  return jsonReply(status, { error, error_description: description }, { headers: TOKEN_HEADERS });
}

/** Appends query parameters to a redirect URI without normalising it. */
function withQuery(uri: string, params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) query.set(name, value);
  }
  return `${uri}${uri.includes("?") ? "&" : "?"}${query}`;
}

/** Desktop clients may redirect to any port of the loopback interface, over plain http. */
function isLoopbackRedirect(uri: string): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  return (
    url.protocol === "http:" &&
    ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname) &&
    url.hash === "" &&
    url.username === "" &&
    url.password === ""
  );
}

const secretToken = (prefix: string, length: number) => `${prefix}${randomChars(length)}`;

export class GoogleOAuth {
  private readonly account: OAuthAccount;
  private readonly accessTokenLifetimeSeconds: number;
  private readonly now: () => number;
  private readonly clients = new Map<string, OAuthClient>();
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  private readonly pendingConsents = new Map<string, Grant>();
  private readonly codes = new Map<string, Grant & { expiresAt: number; used: boolean }>();
  /** Scopes each client has been granted so far (for include_granted_scopes and first consent). */
  private readonly granted = new Map<string, Set<string>>();
  private readonly deviceGrants = new Map<string, DeviceGrant>();
  private readonly deviceCodeByUserCode = new Map<string, string>();
  /** The polling interval /device/code hands out (Google: 5 s). */
  private readonly deviceIntervalSeconds: number;
  /** Device decisions waiting on the page, by the consent id of its form. */
  private readonly pendingDeviceConsents = new Map<string, string>();

  constructor(
    account: OAuthAccount,
    accessTokenLifetimeSeconds: number,
    now: () => number,
    options: { deviceIntervalSeconds?: number } = {},
  ) {
    this.account = account;
    this.accessTokenLifetimeSeconds = accessTokenLifetimeSeconds;
    this.now = now;
    this.deviceIntervalSeconds = options.deviceIntervalSeconds ?? 5;
  }

  registerClient(clientId: string, clientSecret: string, type: "desktop" | "tv" = "desktop"): void {
    this.clients.set(clientId, { clientId, clientSecret, type });
  }

  /** Every device code handed out so far expires now (as after Google's 30 minutes). */
  expireDeviceCodes(): void {
    for (const grant of this.deviceGrants.values()) grant.expiresAt = this.now() - 1000;
  }

  /** The next `times` polls of every device code are answered slow_down (as a busy Google may). */
  slowDownDevicePolls(times = 1): void {
    for (const grant of this.deviceGrants.values()) grant.slowDowns += times;
  }

  /** A token accepted without OAuth, for `clientId`; only expireAccessTokens(true) ends it. */
  addStaticToken(token: string, scopes: string[], clientId: string): void {
    this.accessTokens.set(token, {
      clientId,
      scopes: [...scopes],
      expiresAt: Number.POSITIVE_INFINITY,
      offline: false,
      isStatic: true,
    });
  }

  /** Tokens as an offline code grant would give them. */
  issue(
    clientId: string,
    scopes: string[],
    lifetimeSeconds = this.accessTokenLifetimeSeconds,
  ): { accessToken: string; refreshToken: string } {
    const refreshToken = this.newRefreshToken(clientId, scopes);
    return {
      accessToken: this.newAccessToken(clientId, scopes, lifetimeSeconds, refreshToken),
      refreshToken,
    };
  }

  check(accessToken: string | undefined): TokenCheck {
    if (accessToken === undefined) return { ok: false, reason: "missing" };
    const record = this.accessTokens.get(accessToken);
    if (!record || record.expiresAt <= this.now()) return { ok: false, reason: "invalid" };
    return { ok: true, clientId: record.clientId, scopes: new Set(record.scopes) };
  }

  expireAccessTokens(includeStatic: boolean): void {
    for (const record of this.accessTokens.values()) {
      if (includeStatic || !record.isStatic) record.expiresAt = this.now() - 1000;
    }
  }

  revokeRefreshTokens(): void {
    for (const record of this.refreshTokens.values()) record.revoked = true;
  }

  // ---- the consent page ---------------------------------------------------------------

  /** GET (or POST) with the request shows the consent page; the page's form POSTs the decision. */
  authorize(exchange: Exchange): Reply {
    if (exchange.method === "POST") {
      const form = new URLSearchParams(exchange.body.toString("utf8"));
      if (form.has("consent_id")) return this.decide(exchange, form);
      return this.consentPage(exchange, form);
    }
    if (exchange.method !== "GET") return htmlPage(405, "Error 405", "<h1>Method Not Allowed</h1>");
    return this.consentPage(exchange, exchange.url.searchParams);
  }

  private consentPage(exchange: Exchange, params: URLSearchParams): Reply {
    exchange.record.arg = Object.fromEntries(params);
    const clientId = params.get("client_id");
    if (!clientId) {
      return errorPage(400, "invalid_request", "Missing required parameter: client_id");
    }
    const client = this.clients.get(clientId);
    if (!client) return errorPage(401, "invalid_client", "The OAuth client was not found.");
    const redirectUri = params.get("redirect_uri");
    if (!redirectUri) {
      return errorPage(400, "invalid_request", "Missing required parameter: redirect_uri");
    }
    if (redirectUri === "urn:ietf:wg:oauth:2.0:oob" || redirectUri.startsWith("urn:ietf:")) {
      return errorPage(
        400,
        "invalid_request",
        "The out-of-band (OOB) flow has been blocked in order to keep users secure.",
      );
    }
    if (!isLoopbackRedirect(redirectUri)) {
      return errorPage(
        400,
        "redirect_uri_mismatch",
        "You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 " +
          `policy. Request details: redirect_uri=${redirectUri}`,
      );
    }
    const responseType = params.get("response_type");
    if (!responseType) {
      return errorPage(400, "invalid_request", "Required parameter is missing: response_type");
    }
    if (responseType !== "code") {
      return errorPage(
        400,
        "unsupported_response_type",
        `Unsupported response_type for a Desktop client: ${responseType}`,
      );
    }
    const scopeParam = params.get("scope");
    if (!scopeParam?.trim()) {
      return errorPage(400, "invalid_request", "Missing required parameter: scope");
    }
    const requested = scopeParam
      .split(/\s+/)
      .filter(Boolean)
      .map((scope) => SCOPE_ALIASES[scope] ?? scope);
    const invalid = requested.filter((scope) => SCOPE_DESCRIPTIONS[scope] === undefined);
    if (invalid.length > 0) {
      return errorPage(
        400,
        "invalid_scope",
        `Some requested scopes were invalid. {invalid=[${invalid.join(", ")}]}`,
      );
    }
    const codeChallenge = params.get("code_challenge") ?? undefined;
    const method = params.get("code_challenge_method") ?? (codeChallenge ? "plain" : undefined);
    if (method !== undefined && method !== "S256" && method !== "plain") {
      return errorPage(400, "invalid_request", `Invalid code_challenge_method: ${method}`);
    }
    if (method !== undefined && codeChallenge === undefined) {
      return errorPage(400, "invalid_request", "Missing code_challenge.");
    }
    if (codeChallenge !== undefined && !/^[A-Za-z0-9._~-]{43,128}$/.test(codeChallenge)) {
      return errorPage(400, "invalid_request", "Invalid code_challenge.");
    }
    const accessType = params.get("access_type") ?? "online";
    if (accessType !== "online" && accessType !== "offline") {
      return errorPage(400, "invalid_request", `Invalid access_type: ${accessType}`);
    }
    const prompts = (params.get("prompt") ?? "").split(/\s+/).filter(Boolean);
    const before = this.granted.get(clientId);
    const scopes = [...new Set(requested)];
    if (params.get("include_granted_scopes") === "true" && before) {
      for (const scope of before) if (!scopes.includes(scope)) scopes.push(scope);
    }
    const grant: Grant = {
      client,
      redirectUri,
      state: params.get("state") ?? undefined,
      codeChallenge,
      challengeMethod: method === "S256" ? "S256" : "plain",
      offline: accessType === "offline",
      issueRefreshToken:
        accessType === "offline" && (prompts.includes("consent") || before === undefined),
      scopes,
    };
    if (prompts.includes("none")) {
      // No page may be shown: it works only when everything was granted before.
      if (!before || !scopes.every((scope) => before.has(scope))) {
        const location = withQuery(redirectUri, { error: "consent_required", state: grant.state });
        return { status: 302, headers: { Location: location } };
      }
      return this.redirectWithCode(grant);
    }

    const consentId = randomChars(32);
    this.pendingConsents.set(consentId, grant);
    return this.consentHtml(client, scopes, "/o/oauth2/v2/auth", consentId);
  }

  /** "<app> wants access to your Google Account", with Cancel and Allow. */
  private consentHtml(
    client: OAuthClient,
    scopes: string[],
    action: string,
    consentId: string,
  ): Reply {
    const app = escapeHtml(client.clientId);
    return htmlPage(
      200,
      "Sign in - Google Accounts",
      `<h1>${app} wants access to your Google Account</h1>
<p>${escapeHtml(this.account.displayName)} &lt;${escapeHtml(this.account.emailAddress)}&gt;</p>
<p>This will allow ${app} to:</p>
<ul>
${scopes.map((scope) => `<li title="${escapeHtml(scope)}">${escapeHtml(SCOPE_DESCRIPTIONS[scope] ?? scope)}</li>`).join("\n")}
</ul>
<form method="post" action="${action}">
<input type="hidden" name="consent_id" value="${consentId}">
<button type="submit" name="decision" value="deny">Cancel</button>
<button type="submit" name="decision" value="allow">Allow</button>
</form>`,
    );
  }

  private decide(exchange: Exchange, form: URLSearchParams): Reply {
    exchange.record.arg = Object.fromEntries(form);
    const consentId = form.get("consent_id") ?? "";
    const grant = this.pendingConsents.get(consentId);
    if (!grant) {
      return errorPage(400, "invalid_request", "This authorization request has expired.");
    }
    this.pendingConsents.delete(consentId);
    if (form.get("decision") !== "allow") {
      const location = withQuery(grant.redirectUri, { error: "access_denied", state: grant.state });
      return { status: 302, headers: { Location: location } };
    }
    const known = this.granted.get(grant.client.clientId) ?? new Set<string>();
    for (const scope of grant.scopes) known.add(scope);
    this.granted.set(grant.client.clientId, known);
    return this.redirectWithCode(grant);
  }

  private redirectWithCode(grant: Grant): Reply {
    const code = secretToken("4/0A", 70);
    this.codes.set(code, { ...grant, expiresAt: this.now() + CODE_LIFETIME_MS, used: false });
    const location = withQuery(grant.redirectUri, {
      state: grant.state,
      code,
      scope: grant.scopes.join(" "),
    });
    return { status: 302, headers: { Location: location } };
  }

  // ---- the token endpoint ---------------------------------------------------------------

  /** POST /token, form-encoded (JSON accepted too); client auth by body or HTTP Basic. */
  token(exchange: Exchange): Reply {
    if (exchange.method !== "POST") {
      return tokenError(405, "invalid_request", `Invalid HTTP method: ${exchange.method}`);
    }
    const params = readForm(exchange);
    const basic = /^Basic\s+(\S+)$/i.exec(exchange.headers.authorization ?? "")?.[1];
    if (basic) {
      const [id, secret] = Buffer.from(basic, "base64").toString("utf8").split(":");
      if (id && !params.has("client_id")) params.set("client_id", decodeURIComponent(id));
      if (secret && !params.has("client_secret")) {
        params.set("client_secret", decodeURIComponent(secret));
      }
    }
    exchange.record.arg = redact(params);
    const grantType = params.get("grant_type") ?? "";
    if (
      grantType !== "authorization_code" &&
      grantType !== "refresh_token" &&
      grantType !== DEVICE_GRANT_TYPE
    ) {
      return tokenError(400, "unsupported_grant_type", `Invalid grant_type: ${grantType}`);
    }
    const clientId = params.get("client_id");
    if (!clientId) {
      return tokenError(400, "invalid_request", "Could not determine client ID from request.");
    }
    const client = this.clients.get(clientId);
    if (!client) return tokenError(401, "invalid_client", "The OAuth client was not found.");
    const secret = params.get("client_secret");
    if (secret === null || secret === "") {
      return tokenError(400, "invalid_request", "client_secret is missing.");
    }
    if (secret !== client.clientSecret) return tokenError(401, "invalid_client", "Unauthorized");
    if (grantType === DEVICE_GRANT_TYPE) return this.pollDevice(params, client);
    return grantType === "authorization_code"
      ? this.exchangeCode(params, client)
      : this.refresh(params, client);
  }

  private exchangeCode(params: URLSearchParams, client: OAuthClient): Reply {
    const code = params.get("code");
    if (!code) return tokenError(400, "invalid_request", "Missing required parameter: code");
    const redirectUri = params.get("redirect_uri");
    if (!redirectUri) {
      return tokenError(400, "invalid_request", "Missing required parameter: redirect_uri");
    }
    const grant = this.codes.get(code);
    if (
      !grant ||
      grant.used ||
      grant.expiresAt <= this.now() ||
      grant.client.clientId !== client.clientId
    ) {
      return tokenError(400, "invalid_grant", "Bad Request");
    }
    if (redirectUri !== grant.redirectUri) {
      return tokenError(400, "redirect_uri_mismatch", "Bad Request");
    }
    if (grant.codeChallenge !== undefined) {
      const verifier = params.get("code_verifier");
      if (!verifier) return tokenError(400, "invalid_grant", "Missing code verifier.");
      const computed =
        grant.challengeMethod === "S256"
          ? createHash("sha256").update(verifier).digest("base64url")
          : verifier;
      if (computed !== grant.codeChallenge) {
        return tokenError(400, "invalid_grant", "Invalid code verifier.");
      }
    }
    grant.used = true;
    const refreshToken = grant.issueRefreshToken
      ? this.newRefreshToken(client.clientId, grant.scopes)
      : undefined;
    return this.grantedTokens(client.clientId, grant.scopes, refreshToken, grant.offline);
  }

  /** The token endpoint's answer to a granted code or device code. */
  private grantedTokens(
    clientId: string,
    scopes: string[],
    refreshToken: string | undefined,
    offline: boolean,
  ): Reply {
    const lifetime = this.accessTokenLifetimeSeconds;
    return jsonReply(
      200,
      {
        access_token: this.newAccessToken(clientId, scopes, lifetime, refreshToken, offline),
        expires_in: lifetime,
        refresh_token: refreshToken,
        scope: scopes.join(" "),
        token_type: "Bearer",
      },
      { headers: TOKEN_HEADERS },
    );
  }

  private refresh(params: URLSearchParams, client: OAuthClient): Reply {
    const refreshToken = params.get("refresh_token");
    if (!refreshToken) {
      return tokenError(400, "invalid_request", "Missing required parameter: refresh_token");
    }
    const record = this.refreshTokens.get(refreshToken);
    if (!record || record.revoked) {
      return tokenError(400, "invalid_grant", "Token has been expired or revoked.");
    }
    if (record.clientId !== client.clientId) {
      return tokenError(401, "unauthorized_client", "Unauthorized");
    }
    const requested = params.get("scope")?.split(/\s+/).filter(Boolean);
    if (requested?.some((scope) => !record.scopes.includes(scope))) {
      return tokenError(400, "invalid_scope", "Bad Request");
    }
    const scopes = requested ?? record.scopes;
    const lifetime = this.accessTokenLifetimeSeconds;
    return jsonReply(
      200,
      {
        access_token: this.newAccessToken(client.clientId, scopes, lifetime, refreshToken, true),
        expires_in: lifetime,
        scope: scopes.join(" "),
        token_type: "Bearer",
      },
      { headers: TOKEN_HEADERS },
    );
  }

  // ---- the device flow -----------------------------------------------------------------

  /** POST /device/code: a device code for the device, a user code for the person. */
  deviceCode(exchange: Exchange): Reply {
    if (exchange.method !== "POST") {
      return tokenError(405, "invalid_request", `Invalid HTTP method: ${exchange.method}`);
    }
    const params = readForm(exchange);
    exchange.record.arg = Object.fromEntries(params);
    const clientId = params.get("client_id");
    if (!clientId) {
      return tokenError(400, "invalid_request", "Missing required parameter: client_id");
    }
    const client = this.clients.get(clientId);
    if (!client) return tokenError(401, "invalid_client", "The OAuth client was not found.");
    if (client.type !== "tv") {
      return tokenError(
        401,
        "invalid_client",
        "Only clients of type 'TVs and Limited Input devices' can use the OAuth 2.0 flow for " +
          "TV and Limited-Input Device Applications. Please create and use an appropriate client.",
      );
    }
    const requested = (params.get("scope") ?? "")
      .split(/\s+/)
      .filter(Boolean)
      .map((scope) => SCOPE_ALIASES[scope] ?? scope);
    if (requested.length === 0) {
      return tokenError(400, "invalid_scope", "Missing required parameter: scope");
    }
    const refused = requested.find((scope) => !DEVICE_FLOW_SCOPES.has(scope));
    if (refused !== undefined) {
      return tokenError(400, "invalid_scope", `Invalid device flow scope: ${refused}`);
    }
    const deviceCode = secretToken("AH-1Ng", 80);
    const userCode = `${randomChars(4, USER_CODE_LETTERS)}-${randomChars(4, USER_CODE_LETTERS)}`;
    this.deviceGrants.set(deviceCode, {
      client,
      userCode,
      scopes: [...new Set(requested)],
      expiresAt: this.now() + DEVICE_CODE_LIFETIME_SECONDS * 1000,
      interval: this.deviceIntervalSeconds,
      used: false,
      slowDowns: 0,
    });
    this.deviceCodeByUserCode.set(userCode, deviceCode);
    const host = exchange.headers.host ?? "127.0.0.1";
    return jsonReply(200, {
      device_code: deviceCode,
      user_code: userCode,
      expires_in: DEVICE_CODE_LIFETIME_SECONDS,
      interval: this.deviceIntervalSeconds,
      // google.com/device on the real service; here the emulator's own page.
      verification_url: `http://${host}/device`,
    });
  }

  /**
   * /device, the page a person opens on another device: GET shows the form for the code;
   * POST with `user_code` shows the consent page for that device; POST with `consent_id`
   * records Allow or Cancel.
   */
  devicePage(exchange: Exchange): Reply {
    if (exchange.method === "GET") return this.enterCodePage("");
    if (exchange.method !== "POST")
      return htmlPage(405, "Error 405", "<h1>Method Not Allowed</h1>");
    const form = new URLSearchParams(exchange.body.toString("utf8"));
    exchange.record.arg = Object.fromEntries(form);
    const consentId = form.get("consent_id");
    if (consentId !== null) {
      const deviceCode = this.pendingDeviceConsents.get(consentId);
      const grant = deviceCode === undefined ? undefined : this.deviceGrants.get(deviceCode);
      if (!grant || grant.expiresAt <= this.now()) {
        return errorPage(400, "invalid_request", "This authorization request has expired.");
      }
      this.pendingDeviceConsents.delete(consentId);
      if (form.get("decision") !== "allow") {
        grant.decision = "deny";
        return htmlPage(200, "Access denied", "<h1>You denied access to the app</h1>");
      }
      grant.decision = "allow";
      const known = this.granted.get(grant.client.clientId) ?? new Set<string>();
      for (const scope of grant.scopes) known.add(scope);
      this.granted.set(grant.client.clientId, known);
      return htmlPage(
        200,
        "Success",
        "<h1>Success!</h1><p>You can close this window and return to your device.</p>",
      );
    }
    const typed = (form.get("user_code") ?? "")
      .trim()
      .toUpperCase()
      .replace(/^(\w{4})(\w{4})$/, "$1-$2");
    const deviceCode = this.deviceCodeByUserCode.get(typed);
    const grant = deviceCode === undefined ? undefined : this.deviceGrants.get(deviceCode);
    if (!grant || deviceCode === undefined || grant.expiresAt <= this.now() || grant.decision) {
      return this.enterCodePage("Invalid code. Check the code on your device and try again.");
    }
    const id = randomChars(32);
    this.pendingDeviceConsents.set(id, deviceCode);
    return this.consentHtml(grant.client, grant.scopes, "/device", id);
  }

  private enterCodePage(error: string): Reply {
    return htmlPage(
      error ? 400 : 200,
      "Google Accounts",
      `<h1>Connect a device</h1>
${error ? `<p id="error">${escapeHtml(error)}</p>\n` : ""}<form method="post" action="/device">
<label>Enter the code displayed on your device <input type="text" name="user_code" id="code"></label>
<button type="submit">Next</button>
</form>`,
    );
  }

  /** The device polls the token endpoint with its device code. */
  private pollDevice(params: URLSearchParams, client: OAuthClient): Reply {
    const deviceCode = params.get("device_code");
    if (!deviceCode) {
      return tokenError(400, "invalid_request", "Missing required parameter: device_code");
    }
    const grant = this.deviceGrants.get(deviceCode);
    if (!grant || grant.used || grant.client.clientId !== client.clientId) {
      return tokenError(400, "invalid_grant", "Bad Request");
    }
    const now = this.now();
    if (grant.expiresAt <= now) return tokenError(400, "expired_token", "Bad Request");
    const tooSoon =
      grant.lastPollAt !== undefined && now - grant.lastPollAt < grant.interval * 1000;
    grant.lastPollAt = now;
    if (grant.slowDowns > 0 || tooSoon) {
      grant.slowDowns = Math.max(0, grant.slowDowns - 1);
      // The device must now wait 5 s longer between polls (RFC 8628 §3.5).
      grant.interval += 5;
      return tokenError(403, "slow_down", "Forbidden");
    }
    if (grant.decision === "deny") return tokenError(403, "access_denied", "Forbidden");
    if (grant.decision !== "allow") {
      return tokenError(428, "authorization_pending", "Precondition Required");
    }
    grant.used = true;
    const refreshToken = this.newRefreshToken(client.clientId, grant.scopes);
    return this.grantedTokens(client.clientId, grant.scopes, refreshToken, true);
  }

  // ---- revoke and tokeninfo -------------------------------------------------------------

  /**
   * POST /revoke with `token` in the query or the form: an access token takes its refresh
   * token (and that one's other access tokens) with it; a refresh token takes its access tokens.
   */
  revoke(exchange: Exchange): Reply {
    const form = exchange.method === "POST" ? readForm(exchange) : new URLSearchParams();
    const token = exchange.url.searchParams.get("token") ?? form.get("token") ?? "";
    exchange.record.arg = { token: token ? "[redacted]" : "" };
    let refreshToken: string | undefined;
    const access = this.accessTokens.get(token);
    if (access) {
      this.accessTokens.delete(token);
      refreshToken = access.refreshToken;
    } else if (this.refreshTokens.has(token) && !this.refreshTokens.get(token)?.revoked) {
      refreshToken = token;
    } else {
      return tokenError(400, "invalid_token", "Token expired or revoked");
    }
    if (refreshToken !== undefined) {
      const record = this.refreshTokens.get(refreshToken);
      if (record) record.revoked = true;
      for (const [other, each] of this.accessTokens) {
        if (each.refreshToken === refreshToken) this.accessTokens.delete(other);
      }
    }
    return jsonReply(200, {});
  }

  /** /tokeninfo: what an access token is (google-auth-library's getTokenInfo posts it as Bearer). */
  tokenInfo(exchange: Exchange): Reply {
    const form = exchange.method === "POST" ? readForm(exchange) : new URLSearchParams();
    const bearer = /^Bearer\s+(\S+)$/i.exec(exchange.headers.authorization ?? "")?.[1];
    const token =
      exchange.url.searchParams.get("access_token") ?? form.get("access_token") ?? bearer ?? "";
    const record = this.accessTokens.get(token);
    const now = this.now();
    if (!record || record.expiresAt <= now) {
      return jsonReply(400, { error: "invalid_token", error_description: "Invalid Value" });
    }
    const expiresAt = Number.isFinite(record.expiresAt)
      ? record.expiresAt
      : now + this.accessTokenLifetimeSeconds * 1000;
    const withEmail = record.scopes.includes(`${AUTH}userinfo.email`);
    const withId = withEmail || record.scopes.some((scope) => scope === "openid");
    return jsonReply(200, {
      azp: record.clientId,
      aud: record.clientId,
      sub: withId ? this.account.id : undefined,
      scope: record.scopes.join(" "),
      exp: String(Math.floor(expiresAt / 1000)),
      expires_in: String(Math.max(0, Math.floor((expiresAt - now) / 1000))),
      email: withEmail ? this.account.emailAddress : undefined,
      email_verified: withEmail ? "true" : undefined,
      access_type: record.offline ? "offline" : "online",
    });
  }

  private newRefreshToken(clientId: string, scopes: string[]): string {
    const refreshToken = secretToken("1//0", 99);
    this.refreshTokens.set(refreshToken, { clientId, scopes: [...scopes], revoked: false });
    return refreshToken;
  }

  private newAccessToken(
    clientId: string,
    scopes: string[],
    lifetimeSeconds: number,
    refreshToken?: string,
    offline = refreshToken !== undefined,
  ): string {
    const accessToken = secretToken("ya29.a0", 180);
    this.accessTokens.set(accessToken, {
      clientId,
      scopes: [...scopes],
      expiresAt: this.now() + lifetimeSeconds * 1000,
      refreshToken,
      offline,
    });
    return accessToken;
  }
}

/** The token request as logged: which secrets were sent, not their values. */
function redact(params: URLSearchParams): Record<string, string> {
  const secret = ["client_secret", "code", "code_verifier", "refresh_token", "device_code"];
  return Object.fromEntries(
    [...params].map(([name, value]) => [name, secret.includes(name) ? "[redacted]" : value]),
  );
}
