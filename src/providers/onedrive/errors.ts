// What Microsoft Graph's answers mean: its error shape ({"error":{"code","message"}}) reduced
// to what dmshare decides on, which failures are worth another try (429 and 503 with
// Retry-After, as Microsoft's throttling guidance asks; other 5xx; a lost connection), and the
// sentence (and exit code) each failure gives.

import { authError, providerError } from "../../lib/errors.ts";
import { withoutControls } from "../../lib/text.ts";
import { isNetworkError, RATE_LIMITED, type RetryDecision, retryAfterMs } from "../retry.ts";

export const LABEL = "OneDrive";

/** A Graph HTTP error. */
export class GraphHttpError extends Error {
  readonly status: number;
  /** `error.code`: itemNotFound, nameAlreadyExists, accessDenied, activityLimitReached… */
  readonly code: string;
  readonly retryAfterMs: number | undefined;

  constructor(status: number, code: string, message: string, retryAfter?: number) {
    super(message);
    this.name = "GraphHttpError";
    this.status = status;
    this.code = code;
    this.retryAfterMs = retryAfter;
  }
}

/** The error an answer that is not 2xx stands for (its body read, at most 1 MiB by the fetch). */
export async function graphErrorOf(response: Response): Promise<GraphHttpError> {
  const text = await response.text().catch(() => "");
  let code = `HTTP ${response.status}`;
  let message = response.statusText || code;
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === "string") code = body.error.code;
    if (typeof body.error?.message === "string") message = body.error.message;
  } catch {
    // not Graph's JSON (a proxy's page): the status says enough
  }
  return new GraphHttpError(
    response.status,
    withoutControls(code).slice(0, 100),
    withoutControls(message).slice(0, 300),
    retryAfterMs(response.headers.get("retry-after")),
  );
}

export const isGraphError = (error: unknown): error is GraphHttpError =>
  error instanceof GraphHttpError;

export const isNotFound = (error: unknown) => isGraphError(error) && error.status === 404;

export function retryDecision(error: unknown): RetryDecision {
  if (isGraphError(error)) {
    if (error.status === 429 || error.code === "activityLimitReached") {
      return { retry: true, reason: RATE_LIMITED, afterMs: error.retryAfterMs };
    }
    if (error.status >= 500 && error.status !== 501 && error.status !== 507) {
      return {
        retry: true,
        reason: `${LABEL} answered ${error.status}`,
        afterMs: error.retryAfterMs,
      };
    }
    return { retry: false };
  }
  if (isNetworkError(error)) return { retry: true, reason: "connection lost" };
  return { retry: false };
}

/** Graph answered 401: the access token expired or was revoked (a refresh may help). */
export const isRejectedToken = (failure: unknown): boolean =>
  isGraphError(failure) && failure.status === 401;

/** Turns a Graph error into a sentence for the user with the exit code it deserves. */
export function translate(error: unknown, action: string, loginAgain: string): Error {
  if (isGraphError(error)) return translateHttp(error, action, loginAgain);
  if (isNetworkError(error)) {
    return providerError(
      `Could not reach ${LABEL} to ${action}.`,
      "Check your network connection and try again.",
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

function translateHttp(error: GraphHttpError, action: string, loginAgain: string): Error {
  const { status, code } = error;
  if (status === 401) {
    return authError(
      `${LABEL} rejected dmshare's login while trying to ${action}.`,
      loginAgain,
      error,
    );
  }
  if (status === 403 && (code === "accessDenied" || code === "Authorization_RequestDenied")) {
    return authError(
      `dmshare's ${LABEL} login lacks the permission to ${action} (${code}).`,
      `${loginAgain}, and allow what the consent page asks for.`,
      error,
    );
  }
  if (status === 507 || code === "quotaLimitReached" || code === "insufficientStorage") {
    return providerError(
      `Your OneDrive is full, so dmshare can't ${action}.`,
      "Free some space (or empty the recycle bin) and try again.",
      error,
    );
  }
  if (status === 429 || code === "activityLimitReached") {
    return providerError(
      `${LABEL} is throttling dmshare, so it couldn't ${action}.`,
      "Wait a few minutes and try again.",
      error,
    );
  }
  if (status === 404) {
    return providerError(
      `${LABEL} could not find the item while trying to ${action}.`,
      "It may have been deleted on onedrive.live.com. dmshare list shows what dmshare knows about.",
      error,
    );
  }
  return providerError(
    `${LABEL} refused to ${action}: ${error.message} (HTTP ${status}, ${code}).`,
    "Try again later.",
    error,
  );
}
