// A Google session, shared by Drive and Photos: the endpoints (Google's, or the emulator's),
// the OAuth client holding the user's tokens, and each call made through the shared
// authorized-call policy.

import type { OAuth2Client } from "google-auth-library";
import type { Ctx } from "../../context.ts";
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
import {
  type GoogleHttpError,
  httpErrorOf,
  isRejectedToken,
  retryDecision,
  translate,
} from "./errors.ts";

export interface GoogleService extends ProviderIdentity {
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
export function googleHosts(ctx: Ctx): string[] {
  const base = baseUrlOverride(ctx, "DMSHARE_GOOGLE_API_URL", "Google");
  if (base) return [new URL(base).host];
  return ["www.googleapis.com", "photoslibrary.googleapis.com", "oauth2.googleapis.com"];
}

export interface GoogleConnection {
  auth: OAuth2Client;
  endpoints: GoogleEndpoints;
  authorized: Authorized;
}

export async function newOAuthClient(
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
  const credentials = await loadCredentials(session, service);
  const { stored } = credentials;
  const auth = await newOAuthClient(session.ctx, stored);
  auth.setCredentials({
    access_token: stored.accessToken,
    refresh_token: stored.refreshToken,
    expiry_date: stored.expiresAt ? Date.parse(stored.expiresAt) : undefined,
  });
  return {
    auth,
    endpoints: googleEndpoints(session.ctx),
    authorized: authorized(session, service, credentials, {
      token: () => {
        const expiry = auth.credentials.expiry_date;
        return {
          accessToken: auth.credentials.access_token ?? undefined,
          expiresAt: expiry ? new Date(expiry).toISOString() : undefined,
        };
      },
      refresh: () => refreshAccessToken(auth),
      expired: isRejectedToken,
      retryDecision,
      translate: (failure, action, loginAgain) =>
        translate(failure, action, service.label, loginAgain),
    }),
  };
}

/** Asks the token endpoint for a new access token now (the stored one was rejected). */
async function refreshAccessToken(auth: OAuth2Client): Promise<void> {
  auth.setCredentials({ ...auth.credentials, access_token: undefined, expiry_date: 1 });
  await auth.getAccessToken();
}

/**
 * One API call (see authorizedCall). `recover` may turn an HTTP error into a result (a 404
 * on delete, say).
 */
export function call<T>(
  google: GoogleConnection,
  action: string,
  request: () => Promise<T>,
  recover?: (error: GoogleHttpError) => T | undefined,
): Promise<T> {
  return authorizedCall(google.authorized, action, request, (failure) => {
    const httpError = httpErrorOf(failure);
    return httpError ? recover?.(httpError) : undefined;
  });
}
