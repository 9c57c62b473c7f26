// Dropbox OAuth 2 as an installed app sees it: the /oauth2/authorize consent page (PKCE, exact
// redirect URIs, no-redirect flow showing the code), /oauth2/token (code and refresh grants) and
// the bearer tokens the API routes check.

import { createHash, randomBytes } from "node:crypto";
import { type Exchange, escapeHtml, htmlPage, type Reply } from "./http.ts";

export const ALL_SCOPES = [
  "account_info.read",
  "files.content.read",
  "files.content.write",
  "files.metadata.read",
  "files.metadata.write",
  "sharing.read",
  "sharing.write",
];

export interface AppRegistration {
  clientId: string;
  redirectUris: string[];
}

export interface AccountIdentity {
  accountId: string;
  uid: string;
  email: string;
}

export type TokenCheck =
  | { ok: true; scopes: ReadonlySet<string> }
  | { ok: false; reason: "invalid_access_token" | "expired_access_token" };

interface AccessToken {
  scopes: ReadonlySet<string>;
  expiresAt?: number;
  refreshToken?: string;
}

interface RefreshToken {
  clientId: string;
  scopes: string[];
  revoked: boolean;
}

/** An authorization request waiting for the user's decision, then the code it produced. */
interface Grant {
  app: AppRegistration;
  redirectUri?: string;
  state?: string;
  codeChallenge?: string;
  challengeMethod: "S256" | "plain";
  offline: boolean;
  scopes: string[];
}

const CODE_LIFETIME_MS = 10 * 60 * 1000;
const DENIED_DESCRIPTION = "The user chose not to give your app access to their Dropbox account.";

const token = (bytes: number) => randomBytes(bytes).toString("base64url");

const errorPage = (message: string) =>
  htmlPage(
    400,
    "Error - Dropbox",
    `<h1>Error (400)</h1>\n<p id="error">${escapeHtml(message)}</p>`,
  );

function tokenError(error: string, description: string): Reply {
  return {
    status: 400,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ error, error_description: description }),
  };
}

/** Appends query parameters without normalising the registered URI. */
function withQuery(uri: string, params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) query.set(name, value);
  }
  return `${uri}${uri.includes("?") ? "&" : "?"}${query}`;
}

export class OAuthServer {
  private readonly accessTokenLifetimeSeconds: number;
  private readonly identity: AccountIdentity;
  private readonly now: () => number;
  private readonly apps = new Map<string, AppRegistration>();
  private readonly accessTokens = new Map<string, AccessToken>();
  private readonly refreshTokens = new Map<string, RefreshToken>();
  private readonly pendingConsents = new Map<string, Grant>();
  private readonly codes = new Map<string, Grant & { expiresAt: number }>();

  constructor(identity: AccountIdentity, accessTokenLifetimeSeconds: number, now: () => number) {
    this.identity = identity;
    this.accessTokenLifetimeSeconds = accessTokenLifetimeSeconds;
    this.now = now;
  }

  registerApp(clientId: string, redirectUris: string[]): void {
    this.apps.set(clientId, { clientId, redirectUris: [...redirectUris] });
  }

  /** A token accepted with every scope and no expiry, like a token generated in the App Console. */
  addStaticToken(accessToken: string): void {
    this.accessTokens.set(accessToken, { scopes: new Set(ALL_SCOPES) });
  }

  /** Tokens as an offline code grant would give them. */
  issue(
    clientId: string,
    scopes: string[],
    lifetimeSeconds = this.accessTokenLifetimeSeconds,
  ): { accessToken: string; refreshToken: string } {
    const refreshToken = token(48);
    this.refreshTokens.set(refreshToken, { clientId, scopes, revoked: false });
    return {
      accessToken: this.newAccessToken(scopes, lifetimeSeconds, refreshToken),
      refreshToken,
    };
  }

  check(accessToken: string): TokenCheck {
    const record = this.accessTokens.get(accessToken);
    if (!record) return { ok: false, reason: "invalid_access_token" };
    if (record.expiresAt !== undefined && record.expiresAt <= this.now()) {
      return { ok: false, reason: "expired_access_token" };
    }
    return { ok: true, scopes: record.scopes };
  }

  /** auth/token/revoke: the token, and with it its refresh token and that one's other tokens. */
  revoke(accessToken: string): void {
    const { refreshToken } = this.accessTokens.get(accessToken) ?? {};
    this.accessTokens.delete(accessToken);
    if (refreshToken === undefined) return;
    const refresh = this.refreshTokens.get(refreshToken);
    if (refresh) refresh.revoked = true;
    for (const [other, record] of this.accessTokens) {
      if (record.refreshToken === refreshToken) this.accessTokens.delete(other);
    }
  }

  expireAccessTokens(): void {
    for (const record of this.accessTokens.values()) record.expiresAt = this.now() - 1000;
  }

  revokeRefreshTokens(): void {
    for (const record of this.refreshTokens.values()) record.revoked = true;
  }

  /** GET shows the consent page; POST is the page's form, submitted by Allow or Deny. */
  authorize(exchange: Exchange): Reply {
    if (exchange.method === "POST") return this.decide(exchange);
    const params = exchange.url.searchParams;
    exchange.record.arg = Object.fromEntries(params);
    const clientId = params.get("client_id");
    const app = clientId === null ? undefined : this.apps.get(clientId);
    if (!app) return errorPage(`Invalid client_id: "${clientId ?? ""}".`);
    const redirectUri = params.get("redirect_uri") ?? undefined;
    if (redirectUri !== undefined && !app.redirectUris.includes(redirectUri)) {
      return errorPage(
        "Invalid redirect_uri. It must exactly match one of the redirect URIs you've " +
          "pre-configured for your app (including the path).",
      );
    }
    if (params.get("response_type") !== "code") {
      return errorPage(`Invalid response_type: "${params.get("response_type") ?? ""}".`);
    }
    const codeChallenge = params.get("code_challenge") ?? undefined;
    const challengeMethod = params.get("code_challenge_method") ?? "plain";
    if (challengeMethod !== "S256" && challengeMethod !== "plain") {
      return errorPage(`Invalid code_challenge_method: "${challengeMethod}".`);
    }
    if (codeChallenge !== undefined && !/^[A-Za-z0-9._~-]{43,128}$/.test(codeChallenge)) {
      return errorPage("Invalid code_challenge: it must be 43 to 128 characters long.");
    }
    const accessType = params.get("token_access_type") ?? "online";
    if (!["legacy", "online", "offline"].includes(accessType)) {
      return errorPage(`Invalid token_access_type: "${accessType}".`);
    }
    const requestedScopes = params.get("scope")?.split(" ").filter(Boolean) ?? ALL_SCOPES;
    const unknownScope = requestedScopes.find((scope) => !ALL_SCOPES.includes(scope));
    if (unknownScope !== undefined) return errorPage(`Invalid scope: "${unknownScope}".`);
    const scopes = ALL_SCOPES.filter(
      (scope) => scope === "account_info.read" || requestedScopes.includes(scope),
    );

    const consentId = token(24);
    this.pendingConsents.set(consentId, {
      app,
      redirectUri,
      state: params.get("state") ?? undefined,
      codeChallenge,
      challengeMethod,
      offline: accessType === "offline",
      scopes,
    });
    const appName = escapeHtml(app.clientId);
    return htmlPage(
      200,
      "API Request Authorization",
      `<h1>${appName} would like to access the files and folders in your Dropbox</h1>
<p>Signed in as ${escapeHtml(this.identity.email)}</p>
<p>This will allow ${appName} to:</p>
<ul>
${scopes.map((scope) => `<li>${escapeHtml(scope)}</li>`).join("\n")}
</ul>
<form method="post" action="/oauth2/authorize">
<input type="hidden" name="consent_id" value="${consentId}">
<button type="submit" name="decision" value="deny">Deny</button>
<button type="submit" name="decision" value="allow">Allow</button>
</form>`,
    );
  }

  /** POST /oauth2/token; parameters come from the query string and a form body alike. */
  token(exchange: Exchange): Reply {
    const params = new URLSearchParams(exchange.url.search);
    const contentType = exchange.headers["content-type"] ?? "";
    if (contentType.startsWith("application/x-www-form-urlencoded")) {
      for (const [name, value] of new URLSearchParams(exchange.body.toString("utf8"))) {
        params.set(name, value);
      }
    }
    exchange.record.arg = Object.fromEntries(params);
    const grantType = params.get("grant_type");
    if (grantType === null) return tokenError("invalid_request", 'Missing "grant_type".');
    const clientId = params.get("client_id") ?? "";
    if (!this.apps.has(clientId) || params.has("client_secret")) {
      return tokenError("invalid_client", "Invalid client_id or client_secret");
    }
    if (grantType === "authorization_code") return this.exchangeCode(params, clientId);
    if (grantType === "refresh_token") return this.refresh(params, clientId);
    return tokenError("unsupported_grant_type", `Unsupported grant_type "${grantType}".`);
  }

  private decide(exchange: Exchange): Reply {
    const form = new URLSearchParams(exchange.body.toString("utf8"));
    exchange.record.arg = Object.fromEntries(form);
    const consentId = form.get("consent_id") ?? "";
    const grant = this.pendingConsents.get(consentId);
    if (!grant) return errorPage("This authorization request has expired. Please try again.");
    this.pendingConsents.delete(consentId);
    const allowed = form.get("decision") === "allow";
    const { redirectUri, state } = grant;

    if (!allowed) {
      if (redirectUri === undefined) {
        return htmlPage(200, "Access denied", "<h1>Access denied</h1>");
      }
      const location = withQuery(redirectUri, {
        error: "access_denied",
        error_description: DENIED_DESCRIPTION,
        state,
      });
      return { status: 302, headers: { Location: location } };
    }
    const code = token(32);
    this.codes.set(code, { ...grant, expiresAt: this.now() + CODE_LIFETIME_MS });
    if (redirectUri === undefined) {
      return htmlPage(
        200,
        "API Request Authorization",
        `<h1>Access code generated</h1>
<p>Enter this code into ${escapeHtml(grant.app.clientId)} to finish the process.</p>
<input type="text" id="auth-code" readonly value="${code}">`,
      );
    }
    return { status: 302, headers: { Location: withQuery(redirectUri, { code, state }) } };
  }

  private exchangeCode(params: URLSearchParams, clientId: string): Reply {
    const code = params.get("code") ?? "";
    const grant = this.codes.get(code);
    if (!grant || grant.expiresAt <= this.now() || grant.app.clientId !== clientId) {
      return tokenError("invalid_grant", "code doesn't exist or has expired");
    }
    if ((params.get("redirect_uri") ?? undefined) !== grant.redirectUri) {
      return tokenError("invalid_grant", "redirect_uri mismatch");
    }
    const verifier = params.get("code_verifier");
    if (grant.codeChallenge === undefined || verifier === null) {
      return tokenError("invalid_request", "No auth function available for given request");
    }
    const expected =
      grant.challengeMethod === "S256"
        ? createHash("sha256").update(verifier).digest("base64url")
        : verifier;
    if (expected !== grant.codeChallenge) {
      return tokenError("invalid_grant", "invalid code verifier");
    }
    this.codes.delete(code);
    let refreshToken: string | undefined;
    if (grant.offline) {
      refreshToken = token(48);
      this.refreshTokens.set(refreshToken, { clientId, scopes: grant.scopes, revoked: false });
    }
    const lifetime = this.accessTokenLifetimeSeconds;
    return this.tokenReply({
      access_token: this.newAccessToken(grant.scopes, lifetime, refreshToken),
      token_type: "bearer",
      expires_in: lifetime,
      refresh_token: refreshToken,
      scope: grant.scopes.join(" "),
      uid: this.identity.uid,
      account_id: this.identity.accountId,
    });
  }

  private refresh(params: URLSearchParams, clientId: string): Reply {
    const refreshToken = params.get("refresh_token") ?? "";
    const record = this.refreshTokens.get(refreshToken);
    if (!record || record.revoked || record.clientId !== clientId) {
      return tokenError("invalid_grant", "refresh token is invalid or revoked");
    }
    const requestedScopes = params.get("scope")?.split(" ").filter(Boolean);
    if (requestedScopes?.some((scope) => !record.scopes.includes(scope))) {
      return tokenError("invalid_scope", "The requested scope is invalid, unknown, or malformed.");
    }
    const lifetime = this.accessTokenLifetimeSeconds;
    return this.tokenReply({
      access_token: this.newAccessToken(requestedScopes ?? record.scopes, lifetime, refreshToken),
      token_type: "bearer",
      expires_in: lifetime,
      scope: requestedScopes?.join(" "),
    });
  }

  private tokenReply(fields: Record<string, string | number | undefined>): Reply {
    return {
      status: 200,
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(fields),
    };
  }

  private newAccessToken(scopes: string[], lifetimeSeconds: number, refreshToken?: string): string {
    const accessToken = `sl.${token(96)}`;
    this.accessTokens.set(accessToken, {
      scopes: new Set(scopes),
      expiresAt: this.now() + lifetimeSeconds * 1000,
      refreshToken,
    });
    return accessToken;
  }
}
