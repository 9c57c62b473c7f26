// A Dropbox session: the SDK client with the user's token, its fetch (the API hosts, or the
// emulator's), and each call made through the shared authorized-call policy.

import { Dropbox, DropboxAuth, DropboxResponseError } from "dropbox";
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
import type { Account, ProviderSession } from "../provider.ts";
import { errorTag, isExpiredToken, retryDecision, translate } from "./errors.ts";

export const DROPBOX: ProviderIdentity = { name: "dropbox", label: "Dropbox" };
/** Everything dmshare uploads lives under this folder (inside the app folder). */
export const ROOT = "/dmshare";

export interface DropboxSession {
  dbx: Dropbox;
  authorized: Authorized;
  /** The account's plan (`basic`, `pro`, `business`), asked once per run. */
  accountType?: Promise<string>;
}

const apiBaseUrl = (ctx: Ctx) => baseUrlOverride(ctx, "DMSHARE_DROPBOX_API_URL", DROPBOX.label);

/**
 * The SDK's fetch: `DMSHARE_DROPBOX_API_URL` replaces both API hosts, and Ctrl-C aborts
 * uploads in flight (only uploads: the calls that clean up after them must still run).
 */
export function dropboxFetch(ctx: Ctx): typeof fetch {
  const base = apiBaseUrl(ctx);
  const hosts = base ? [new URL(base).host] : ["api.dropboxapi.com", "content.dropboxapi.com"];
  const send = providerFetch(ctx, DROPBOX.label, hosts);
  return (input, init) => {
    const url = String(input);
    const upload = url.startsWith("https://content.dropboxapi.com/");
    return send(base ? url.replace(/^https:\/\/(api|content)\.dropboxapi\.com/, base) : url, {
      ...init,
      ...(upload ? { signal: ctx.signal } : {}),
    });
  };
}

/** Dropbox's consent page, on the emulator when `DMSHARE_DROPBOX_API_URL` names one. */
export function loginPageUrl(ctx: Ctx, url: string): string {
  const base = apiBaseUrl(ctx);
  return base
    ? url.replace(/^https:\/\/(www\.)?dropbox\.com\/oauth2\/authorize/, `${base}/oauth2/authorize`)
    : url;
}

export async function openSession(session: ProviderSession): Promise<DropboxSession> {
  const credentials = await loadCredentials(session, DROPBOX);
  const { stored } = credentials;
  const auth = new DropboxAuth({
    accessToken: stored.accessToken,
    refreshToken: stored.refreshToken,
    clientId: stored.clientId,
    accessTokenExpiresAt: stored.expiresAt ? new Date(stored.expiresAt) : undefined,
    fetch: dropboxFetch(session.ctx),
  });
  return {
    dbx: new Dropbox({ auth }),
    authorized: authorized(session, DROPBOX, credentials, {
      token: () => ({
        accessToken: auth.getAccessToken(),
        expiresAt: auth.getAccessTokenExpiresAt()?.toISOString(),
      }),
      refresh: () => auth.refreshAccessToken(),
      expired: isExpiredToken,
      retryDecision,
      translate,
    }),
  };
}

/**
 * One API call (see authorizedCall). `recover` may turn a 409 (by its error_summary) into a
 * result instead of an error.
 */
export function call<T>(
  session: DropboxSession,
  action: string,
  request: () => Promise<{ result: T }>,
  recover?: (summary: string, error: DropboxResponseError<unknown>) => Promise<T> | undefined,
): Promise<T> {
  return authorizedCall(
    session.authorized,
    action,
    async () => (await request()).result,
    (failure) =>
      failure instanceof DropboxResponseError && failure.status === 409
        ? recover?.(errorTag(failure), failure)
        : undefined,
  );
}

/** Dropbox timestamps have no fractional seconds: `2026-12-31T23:59:59Z`. */
export const dropboxTime = (when: Date) => `${when.toISOString().slice(0, 19)}Z`;

/** `basic`, `pro` or `business`, asked once per run. */
export function accountType(session: DropboxSession): Promise<string> {
  session.accountType ??= call(session, "read your account", () =>
    session.dbx.usersGetCurrentAccount(),
  ).then((account) => account.account_type[".tag"]);
  return session.accountType;
}

export async function whoami(session: DropboxSession): Promise<Account> {
  const account = await call(session, "read your account", () =>
    session.dbx.usersGetCurrentAccount(),
  );
  return {
    id: account.account_id,
    name: account.name.display_name,
    email: account.email ?? null,
  };
}
