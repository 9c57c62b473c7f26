// What Google's answers mean: the HTTP error reduced to what dmshare decides on, which
// failures are worth another try, and the sentence (and exit code) each failure gives.

import { authError, providerError } from "../../lib/errors.ts";
import { isNetworkError, RATE_LIMITED, type RetryDecision, retryAfterMs } from "../retry.ts";

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
    typeof headers?.get === "function"
      ? headers.get("retry-after")
      : (headers as Record<string, string> | undefined)?.["retry-after"];
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

export function retryDecision(error: unknown): RetryDecision {
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

/** Google answered 401: the access token may have expired (a refresh may help). */
export const isRejectedToken = (failure: unknown): boolean => httpErrorOf(failure)?.status === 401;

/** Turns a Google error into a sentence for the user with the exit code it deserves. */
export function translate(
  error: unknown,
  action: string,
  label: string,
  loginAgain: string,
): Error {
  const httpError = httpErrorOf(error);
  if (httpError) return translateHttp(httpError, action, label, loginAgain);
  if (isNetworkError(error)) {
    return providerError(
      `Could not reach ${label} to ${action}.`,
      "Check your network connection and try again.",
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

function translateHttp(
  httpError: GoogleHttpError,
  action: string,
  label: string,
  loginAgain: string,
): Error {
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
