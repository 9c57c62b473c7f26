// The Microsoft identity platform as dmshare talks to it: its endpoints (Microsoft's, or the
// emulator's), the scopes OneDrive asks for, and one form POST to the token or device code
// endpoint with its answer checked before anything of it is trusted.

import type { Ctx } from "../../context.ts";
import { rememberSecrets } from "../../lib/secrets.ts";
import { baseUrlOverride } from "../base-url.ts";
import { count, type FormTarget, text } from "../oauth-device.ts";

export const LABEL = "OneDrive";
export const CLIENT_ID_VARIABLE = "DMSHARE_ONEDRIVE_CLIENT_ID";
export const ENTRA = "https://entra.microsoft.com (App registrations)";
export const README_SECTION = 'README, "Connect OneDrive"';

/**
 * The narrowest scopes that do the job: the app's own folder (Apps/<app>), the account's name
 * for `status`, and a refresh token. Never Files.ReadWrite(.All).
 */
export const SCOPES = ["Files.ReadWrite.AppFolder", "User.Read", "offline_access"] as const;

/** `common`: personal Microsoft accounts and work or school accounts alike. */
const TENANT = "common";
const LOGIN_HOST = "login.microsoftonline.com";

export interface IdentityEndpoints {
  authorizeUrl: string;
  tokenUrl: string;
  deviceCodeUrl: string;
  /** The hosts the login may talk to (credentials go nowhere else). */
  hosts: string[];
  /** Whether the endpoints are an override (an emulator), whose pages are its own. */
  overridden: boolean;
}

/**
 * DMSHARE_ONEDRIVE_AUTH_URL replaces https://login.microsoftonline.com (the paths stay);
 * without it, DMSHARE_ONEDRIVE_API_URL does, so one emulator serving both needs one variable.
 */
export function identityEndpoints(ctx: Ctx): IdentityEndpoints {
  const base =
    baseUrlOverride(ctx, "DMSHARE_ONEDRIVE_AUTH_URL", "Microsoft's login") ??
    baseUrlOverride(ctx, "DMSHARE_ONEDRIVE_API_URL", "Microsoft Graph");
  const root = `${base ?? `https://${LOGIN_HOST}`}/${TENANT}/oauth2/v2.0`;
  return {
    authorizeUrl: `${root}/authorize`,
    tokenUrl: `${root}/token`,
    deviceCodeUrl: `${root}/devicecode`,
    hosts: [base ? new URL(base).host : LOGIN_HOST],
    overridden: base !== undefined,
  };
}

/** What a login or a refresh gets, as dmshare stores it. */
export interface IdentityTokens {
  accessToken: string;
  refreshToken?: string;
  expiresAt?: string;
}

/** Forms go to the identity platform's hosts only. */
export const identityForms = (ctx: Ctx): FormTarget => ({
  label: LABEL,
  service: "Microsoft's login service",
  hosts: identityEndpoints(ctx).hosts,
});

/**
 * Microsoft's refusal in one phrase: the first line of error_description (`AADSTS70000:
 * Provided grant is invalid or malformed.`, without the trace lines), or the error code.
 */
export function refusal(body: Record<string, unknown>, status: number): string {
  const error = text(body.error) ?? `HTTP ${status}`;
  const description = text(body.error_description)
    ?.split(/\r?\n| Trace ID:/)[0]
    ?.trim()
    .slice(0, 300);
  return description ? `${description} (${error})` : error;
}

/** A visible-ASCII token, as OAuth tokens are (RFC 6749); anything else is not trusted. */
const TOKEN_SHAPE = /^[\x21-\x7e]{8,8192}$/;

/**
 * The tokens of a successful answer, checked: an access token, a bearer token type, a
 * refresh token when there is one, the lifetime. Undefined when the answer is not that.
 */
export function tokensOf(ctx: Ctx, body: Record<string, unknown>): IdentityTokens | undefined {
  const accessToken = text(body.access_token);
  const refreshToken = text(body.refresh_token);
  const tokenType = text(body.token_type);
  if (!accessToken || !TOKEN_SHAPE.test(accessToken)) return undefined;
  if (tokenType !== undefined && tokenType.toLowerCase() !== "bearer") return undefined;
  if (refreshToken !== undefined && !TOKEN_SHAPE.test(refreshToken)) return undefined;
  rememberSecrets(accessToken, refreshToken);
  const expiresIn = count(body.expires_in);
  return {
    accessToken,
    refreshToken,
    expiresAt: expiresIn
      ? new Date(ctx.now().getTime() + expiresIn * 1000).toISOString()
      : undefined,
  };
}
