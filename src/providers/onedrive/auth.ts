// OneDrive's access token for one run: DMSHARE_ONEDRIVE_TOKEN as it is (never refreshed), or
// the stored login, refreshed when it has expired or Graph rejected it. Microsoft's refresh
// tokens rotate: each refresh hands out a new one and this one may stop working at once, so
// the new one is saved BEFORE the new access token is used (a crash in between loses nothing
// but that access token), and refreshes are made one at a time, within a run and across
// dmshare processes (a lock file): a refresh token another process already spent is never
// sent again; the login that process saved is used instead.

import path from "node:path";
import type { Ctx } from "../../context.ts";
import { authError, type DmshareError, providerError } from "../../lib/errors.ts";
import type { StoredCredentials } from "../../store/credentials.ts";
import { withFileLock } from "../../store/lock.ts";
import type { Credentials, ProviderIdentity } from "../authorized-call.ts";
import { type FormAnswer, isUnreachable, postForm } from "../oauth-device.ts";
import type { ProviderSession } from "../provider.ts";
import { explainFailure, type RetryDecision, retryOptionsFor, withRetry } from "../retry.ts";
import {
  type IdentityTokens,
  identityEndpoints,
  identityForms,
  LABEL,
  refusal,
  SCOPES,
  tokensOf,
} from "./identity.ts";

export const ONEDRIVE: ProviderIdentity = { name: "onedrive", label: LABEL };
const LOGIN_AGAIN = "Run: dmshare login onedrive";
/** An access token this close to its end is refreshed before use rather than after a 401. */
const EXPIRY_MARGIN_MS = 60_000;

export interface OneDriveAuth {
  /** The access token to send now (refreshed first when the stored one has expired). */
  accessToken(): Promise<string>;
  /**
   * After Graph answered 401: a new access token, or null when there is none to be had
   * (DMSHARE_ONEDRIVE_TOKEN, or a login without a refresh token). Throws an auth error
   * (exit 3) when Microsoft no longer accepts the login.
   */
  refresh(): Promise<string | null>;
  /** From DMSHARE_ONEDRIVE_TOKEN: used as it is, never refreshed, never saved. */
  readonly fromEnv: boolean;
  /** What to tell the user when Graph still rejects the token. */
  readonly loginAgain: string;
}

/** The run's OneDrive tokens, from `loadCredentials(session, ONEDRIVE)`. */
export function openAuth(session: ProviderSession, credentials: Credentials): OneDriveAuth {
  return new StoredAuth(session, credentials);
}

class StoredAuth implements OneDriveAuth {
  readonly fromEnv: boolean;
  readonly loginAgain: string;
  private stored: StoredCredentials;
  private inFlight: Promise<string> | undefined;
  private readonly session: ProviderSession;

  constructor(session: ProviderSession, credentials: Credentials) {
    this.session = session;
    this.stored = credentials.stored;
    this.fromEnv = credentials.fromEnv;
    this.loginAgain = credentials.loginAgain;
  }

  private get canRefresh(): boolean {
    return !this.fromEnv && Boolean(this.stored.refreshToken && this.stored.clientId);
  }

  async accessToken(): Promise<string> {
    if (this.inFlight) return this.inFlight;
    const { expiresAt } = this.stored;
    const ending =
      expiresAt !== undefined &&
      Date.parse(expiresAt) - EXPIRY_MARGIN_MS <= this.session.ctx.now().getTime();
    if (ending && this.canRefresh) return this.refreshOnce();
    return this.stored.accessToken;
  }

  async refresh(): Promise<string | null> {
    if (!this.canRefresh) return null;
    return this.refreshOnce();
  }

  /** One refresh at a time: callers that arrive meanwhile get its token. */
  private refreshOnce(): Promise<string> {
    this.inFlight ??= this.redeem().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /**
   * Refreshes under a lock in the config folder, so that two dmshare processes never spend
   * the same refresh token: the second one finds the login the first one saved and uses it.
   */
  private redeem(): Promise<string> {
    const { ctx } = this.session;
    const lockFile = path.join(ctx.paths.configDir, "onedrive-refresh.lock");
    return withFileLock(lockFile, () => this.redeemLocked(), ctx.system);
  }

  private async redeemLocked(): Promise<string> {
    const { ctx, credentials } = this.session;
    const current = await credentials.get(ONEDRIVE.name);
    if (current?.refreshToken && current.refreshToken !== this.stored.refreshToken) {
      // Another dmshare process refreshed since this one read the login: its token is ours.
      this.stored = current;
      return current.accessToken;
    }
    const spent = this.stored;
    const answer = await refreshRequest(ctx, spent);
    if (answer.status !== 200) throw refreshRefused(answer);
    const tokens = tokensOf(ctx, answer.body);
    if (!tokens) {
      throw providerError(
        "Microsoft's answer to the token refresh carried no usable access token.",
        "Try again later; if it persists, log in again: dmshare login onedrive",
      );
    }
    const next = nextCredentials(spent, tokens);
    // Saved before use: the refresh token just spent may already be refused.
    await credentials.set(ONEDRIVE.name, next);
    this.stored = next;
    return next.accessToken;
  }
}

function nextCredentials(spent: StoredCredentials, tokens: IdentityTokens): StoredCredentials {
  return {
    ...spent,
    accessToken: tokens.accessToken,
    // Microsoft sends a new refresh token with every refresh; should one not come, the old
    // one is all there is.
    refreshToken: tokens.refreshToken ?? spent.refreshToken,
    expiresAt: tokens.expiresAt,
  };
}

/** A 5xx or 429 from the token endpoint: worth another try. */
class BusyAnswer extends Error {
  readonly answer: FormAnswer;

  constructor(answer: FormAnswer) {
    super(`HTTP ${answer.status}`);
    this.answer = answer;
  }
}

const busyOrUnreachable = (error: unknown): RetryDecision => {
  if (error instanceof BusyAnswer) {
    return { retry: true, reason: "Microsoft's login service is busy" };
  }
  if (isUnreachable(error)) {
    return { retry: true, reason: "connection lost" };
  }
  return { retry: false };
};

/** POSTs the refresh grant, retrying a busy or unreachable service; the final answer. */
async function refreshRequest(ctx: Ctx, stored: StoredCredentials): Promise<FormAnswer> {
  const { tokenUrl } = identityEndpoints(ctx);
  const form = {
    client_id: stored.clientId ?? "",
    grant_type: "refresh_token",
    refresh_token: stored.refreshToken ?? "",
    scope: SCOPES.join(" "),
  };
  try {
    return await withRetry(
      async () => {
        const answer = await postForm(ctx, identityForms(ctx), tokenUrl, form, "refresh the login");
        if (answer.status >= 500 || answer.status === 429) throw new BusyAnswer(answer);
        return answer;
      },
      busyOrUnreachable,
      retryOptionsFor(ctx, () => {}),
    );
  } catch (error) {
    throw explainFailure(error, "refresh the OneDrive login", ctx.signal, (last) =>
      last instanceof BusyAnswer
        ? providerError(
            `Microsoft's login service did not refresh the login: ${refusal(last.answer.body, last.answer.status)}.`,
            "Try again later.",
          )
        : (last as Error),
    );
  }
}

/** invalid_grant and friends: the login is gone (revoked, expired, password changed). */
function refreshRefused(answer: FormAnswer): DmshareError {
  const reason = refusal(answer.body, answer.status);
  if (answer.body.error === "invalid_client" || answer.body.error === "unauthorized_client") {
    return authError(
      `Microsoft no longer accepts the app dmshare logged in to OneDrive with: ${reason}.`,
      `Check the app registration (README "Connect OneDrive"), then ${LOGIN_AGAIN.toLowerCase()}`,
    );
  }
  return authError(
    `Microsoft no longer accepts dmshare's OneDrive login: ${reason}.`,
    `${LOGIN_AGAIN}   (the login was revoked, expired, or your password changed)`,
  );
}
