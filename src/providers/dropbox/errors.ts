// What Dropbox's answers mean: which failures are worth another try, and the sentence (and
// exit code) each failure gives the user.

import { DropboxResponseError } from "dropbox";
import { authError, providerError, usageError } from "../../lib/errors.ts";
import { isNetworkError, RATE_LIMITED, type RetryDecision, retryAfterMs } from "../retry.ts";

/** `error_summary` of an API error: `path/not_found/..`, `expired_access_token/`. */
export const errorTag = (error: DropboxResponseError<unknown>): string => {
  const body = error.error as { error_summary?: string } | string | undefined;
  return typeof body === "object" && body?.error_summary ? body.error_summary : String(body ?? "");
};

export function retryDecision(error: unknown): RetryDecision {
  if (error instanceof DropboxResponseError) {
    const afterMs = retryAfterMs(error.headers?.get?.("retry-after"));
    // 429: too_many_requests or too_many_write_operations, both with Retry-After.
    if (error.status === 429) return { retry: true, reason: RATE_LIMITED, afterMs };
    if (error.status >= 500) {
      return { retry: true, reason: `Dropbox answered ${error.status}`, afterMs };
    }
    return { retry: false };
  }
  if (isNetworkError(error)) return { retry: true, reason: "connection lost" };
  return { retry: false };
}

/** The access token expired: a refresh may help (any other 401 is a rejected login). */
export const isExpiredToken = (failure: unknown): boolean =>
  failure instanceof DropboxResponseError &&
  failure.status === 401 &&
  errorTag(failure).startsWith("expired_access_token");

/** Turns an SDK error into a sentence for the user with the exit code it deserves. */
export function translate(error: unknown, action: string, loginAgain: string): Error {
  if (error instanceof DropboxResponseError) return translateResponse(error, action, loginAgain);
  if (isNetworkError(error)) {
    return providerError(
      `Could not reach Dropbox to ${action}.`,
      "Check your network connection and try again.",
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

function translateResponse(
  error: DropboxResponseError<unknown>,
  action: string,
  loginAgain: string,
): Error {
  const summary = errorTag(error);
  if (error.status === 401) {
    return authError(
      `Dropbox rejected dmshare's login while trying to ${action} (${summary.split("/")[0] || "unauthorized"}).`,
      loginAgain,
    );
  }
  const oauthError = (error.error as { error?: unknown } | undefined)?.error;
  if (error.status === 400 && typeof oauthError === "string") {
    // The token endpoint (refresh): invalid_grant, invalid_client, …
    return authError(
      `Dropbox no longer accepts dmshare's stored login (${oauthError}).`,
      loginAgain,
    );
  }
  if (summary.startsWith("settings_error")) {
    return usageError(
      `Your Dropbox plan does not allow these link settings (${summary.replace(/\/+\.*$/, "")}).`,
      "Send again without --expires / --no-download / --password, or use a Dropbox plan that has them.",
    );
  }
  if (summary.startsWith("path/disallowed_name")) {
    return usageError(
      `Dropbox won't store a file with that name, so dmshare can't ${action}.`,
      "Dropbox refuses system file names such as desktop.ini, Thumbs.db and .DS_Store: copy the photo under another name and send the copy.",
    );
  }
  if (summary.startsWith("path/insufficient_space")) {
    return providerError(
      `Your Dropbox is full, so dmshare can't ${action}.`,
      "Free some space and try again.",
    );
  }
  if (error.status === 409) {
    return providerError(
      `Dropbox refused to ${action}: ${summary}.`,
      "Check the item in Dropbox, then try again.",
    );
  }
  if (error.status === 429) {
    return providerError(
      `Dropbox is rate-limiting dmshare, so it couldn't ${action}.`,
      "Wait a minute and try again.",
    );
  }
  return providerError(`Dropbox failed to ${action} (HTTP ${error.status}).`, "Try again later.");
}

/** The offset an upload session holds, from an `incorrect_offset` error. */
export const correctOffset = (error: DropboxResponseError<unknown>) =>
  (error.error as { error?: { correct_offset?: number } }).error?.correct_offset;

/** `path/conflict/file` from a Stone union such as `{".tag":"path","path":{".tag":"conflict",…}}`. */
export function describeTag(union: unknown): string {
  const parts: string[] = [];
  let node = union as Record<string, unknown> | undefined;
  while (node && typeof node === "object" && typeof node[".tag"] === "string") {
    const tag = node[".tag"] as string;
    parts.push(tag);
    node = node[tag] as Record<string, unknown> | undefined;
  }
  return parts.join("/") || "unknown reason";
}
