// One API call made on the user's behalf, the same way for every provider: the credentials
// come from the provider's DMSHARE_<NAME>_TOKEN or the credential store (else "not logged
// in"), the retry policy applies, an expired token is refreshed once, a refreshed token is
// saved for the next run, and what still fails becomes a sentence for the user.

import type { Ctx } from "../context.ts";
import { authError } from "../lib/errors.ts";
import type { CredentialStore, StoredCredentials } from "../store/credentials.ts";
import { type ProviderName, type ProviderSession, tokenVariable } from "./provider.ts";
import {
  explainFailure,
  lastFailure,
  type RetryDecision,
  retryOptionsFor,
  withRetry,
} from "./retry.ts";
import { checkCredentialShape } from "./token-login.ts";
import type { Concurrency } from "./transfer.ts";

/** Which provider, as its messages name it. */
export interface ProviderIdentity {
  name: ProviderName;
  /** "Dropbox", "Google Drive". */
  label: string;
}

/** The credentials a run uses, and where they came from. */
export interface Credentials {
  stored: StoredCredentials;
  /** From DMSHARE_<NAME>_TOKEN: never refreshed, never saved. */
  fromEnv: boolean;
  /** What to do when the provider no longer accepts them. */
  loginAgain: string;
}

/**
 * The provider's DMSHARE_<NAME>_TOKEN, else its stored login; an auth error (exit 3) when
 * there is neither, or when they can't be what the provider issued.
 */
export async function loadCredentials(
  session: ProviderSession,
  who: ProviderIdentity,
): Promise<Credentials> {
  const { ctx, credentials } = session;
  const variable = tokenVariable(who.name);
  const envToken = ctx.env[variable]?.trim();
  const stored: StoredCredentials | undefined = envToken
    ? { accessToken: envToken }
    : await credentials.get(who.name);
  if (!stored) {
    throw authError(
      `Not logged in to ${who.label}.`,
      `Run: dmshare login ${who.name}   (or set ${variable} for scripts)`,
    );
  }
  checkCredentialShape(
    stored,
    who.label,
    envToken
      ? `Set ${variable} to the token alone, or unset it and run: dmshare login ${who.name}`
      : `Log in again: dmshare login ${who.name}`,
  );
  return {
    stored,
    fromEnv: Boolean(envToken),
    loginAgain: envToken
      ? `${variable} holds a token ${who.label} does not accept: replace it, or unset it and run: dmshare login ${who.name}`
      : `Log in again: dmshare login ${who.name}`,
  };
}

/** What differs between providers: their SDK's token, refresh, errors and retry policy. */
export interface AuthorizedClient {
  /** The access token the SDK holds now, and when it expires (ISO 8601). */
  token(): { accessToken: string | undefined; expiresAt: string | undefined };
  /** Asks the provider for a new access token. */
  refresh(): Promise<void>;
  /** The failure says the access token expired (a refresh may help). */
  expired(failure: unknown): boolean;
  retryDecision(error: unknown): RetryDecision;
  /** The last failure as a sentence for the user, with its exit code. */
  translate(failure: unknown, action: string, loginAgain: string): Error;
}

/** What one run's calls to one provider share. */
export interface Authorized {
  ctx: Ctx;
  store: CredentialStore;
  who: ProviderIdentity;
  credentials: Credentials;
  client: AuthorizedClient;
  /** The access token last saved (or read), so a refreshed one is saved once. */
  savedToken: string;
  /** The uploads running now: a rate limit makes them back off. */
  uploads?: Concurrency;
}

export function authorized(
  session: ProviderSession,
  who: ProviderIdentity,
  credentials: Credentials,
  client: AuthorizedClient,
): Authorized {
  return {
    ctx: session.ctx,
    store: session.credentials,
    who,
    credentials,
    client,
    savedToken: credentials.stored.accessToken,
  };
}

/** Refreshing needs a refresh token and the app it was issued to. */
const canRefresh = ({ credentials }: Authorized) =>
  Boolean(credentials.stored.refreshToken && credentials.stored.clientId);

/** Saves a token the SDK refreshed, so the next run does not refresh again. */
async function persistRefreshedToken(state: Authorized): Promise<void> {
  const { accessToken, expiresAt } = state.client.token();
  if (state.credentials.fromEnv || !accessToken || accessToken === state.savedToken) return;
  state.savedToken = accessToken;
  await state.store.set(state.who.name, {
    ...state.credentials.stored,
    accessToken,
    expiresAt,
  } as StoredCredentials);
}

/** The request with the retry policy, and once more after a refresh when the token expired. */
async function withOneRefresh<T>(state: Authorized, request: () => Promise<T>): Promise<T> {
  let refreshed = false;
  for (;;) {
    try {
      return await withRetry(
        request,
        state.client.retryDecision,
        retryOptionsFor(state.ctx, () => state.uploads?.backOff()),
      );
    } catch (error) {
      const expired = state.client.expired(lastFailure(error));
      if (!expired || !canRefresh(state) || refreshed) throw error;
      refreshed = true;
      await state.client.refresh();
    }
  }
}

/**
 * One API call with retries, one refresh on an expired token, and a translated error.
 * `recover` may turn the last failure into a result instead of an error (a 404 on delete, a
 * link that already exists); undefined leaves it an error.
 */
export async function authorizedCall<T>(
  state: Authorized,
  action: string,
  request: () => Promise<T>,
  recover?: (failure: unknown) => T | Promise<T> | undefined,
): Promise<T> {
  try {
    return await withOneRefresh(state, request);
  } catch (error) {
    const recovered = recover?.(lastFailure(error));
    if (recovered !== undefined) return await recovered;
    throw explainFailure(error, action, state.ctx.signal, (last) =>
      state.client.translate(last, action, state.credentials.loginAgain),
    );
  } finally {
    await persistRefreshedToken(state);
  }
}
