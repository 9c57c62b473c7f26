// What Google's and Microsoft's logins share: a form POST to an OAuth endpoint whose JSON
// answer is read whatever the status, and the device authorization grant (RFC 8628): check
// the code and the page it is entered on before showing them, then poll the token endpoint
// at the given interval (longer after `slow_down`) until it is allowed or refused. Each
// provider words its own refusals.

import { setTimeout as sleep } from "node:timers/promises";
import type { Ctx } from "../context.ts";
import { DmshareError, interruptedError, providerError } from "../lib/errors.ts";
import { withoutControls } from "../lib/text.ts";
import { providerFetch } from "./guarded-fetch.ts";

export const DEVICE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code";
/** RFC 8628 §3.5: after `slow_down` the interval grows by 5 seconds, for good. */
const SLOW_DOWN_STEP_MS = 5000;
/** RFC 8628 §3.2: without an interval, 5 seconds. */
const DEFAULT_INTERVAL_SECONDS = 5;

export const text = (value: unknown) =>
  typeof value === "string" && value !== "" ? value : undefined;
export const count = (value: unknown) =>
  typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;

export interface FormAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** Who a form goes to: the provider's name, the service in words, the hosts allowed. */
export interface FormTarget {
  label: string;
  /** "Google", "Microsoft's login service": in "Could not reach … to <action>". */
  service: string;
  hosts: string[];
}

/** Errors of `postForm` that mean the service could not be reached: a poll may try again. */
const unreachableErrors = new WeakSet<Error>();

export const isUnreachable = (error: unknown): boolean =>
  error instanceof DmshareError && unreachableErrors.has(error);

/** POSTs a form to an OAuth endpoint; the JSON answer whatever the status. */
export async function postForm(
  ctx: Ctx,
  target: FormTarget,
  url: string,
  form: Record<string, string>,
  action: string,
): Promise<FormAnswer> {
  let response: Response;
  let body: string;
  try {
    response = await providerFetch(
      ctx,
      target.label,
      target.hosts,
    )(url, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form).toString(),
      signal: ctx.signal,
    });
    body = await response.text();
  } catch (error) {
    if (ctx.signal.aborted) throw interruptedError("the login was not finished.");
    // A refusal of the guarded fetch (a redirect to another host, say) ends the login.
    if (error instanceof DmshareError) throw error;
    const unreachable = providerError(
      `Could not reach ${target.service} to ${action}.`,
      "Check your network connection and try again.",
      error,
    );
    unreachableErrors.add(unreachable);
    throw unreachable;
  }
  return { status: response.status, body: jsonObject(body) };
}

function jsonObject(body: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed !== null && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export interface DeviceCode {
  deviceCode: string;
  userCode: string;
  verificationUrl: string;
  expiresIn: number;
  intervalMs: number;
}

/**
 * The page a person is sent to: https on one of the provider's `hosts`, or any http(s) page
 * when the endpoints are overridden (an emulator names its own). A URL with control
 * characters or spaces is never shown: it came from an answer dmshare can't trust.
 */
export function isVerificationPage(
  page: string,
  { hosts, overridden }: { hosts: readonly string[]; overridden: boolean },
): boolean {
  let url: URL;
  try {
    url = new URL(page);
  } catch {
    return false;
  }
  if (withoutControls(page) !== page || /\s/.test(page)) return false;
  if (overridden) return url.protocol === "http:" || url.protocol === "https:";
  return url.protocol === "https:" && hosts.includes(url.hostname);
}

/** The device code answer, checked; undefined when it lacks the code or a page to trust. */
export function deviceCodeOf(
  body: Record<string, unknown>,
  isPage: (page: string) => boolean,
): DeviceCode | undefined {
  const deviceCode = text(body.device_code);
  const userCode = text(body.user_code);
  // Google says verification_url, RFC 8628 and Microsoft verification_uri.
  const verificationUrl = text(body.verification_uri ?? body.verification_url);
  const expiresIn = count(body.expires_in);
  if (!deviceCode || !userCode || !/^[A-Za-z0-9-]{1,32}$/.test(userCode)) return undefined;
  if (!verificationUrl || !isPage(verificationUrl) || !expiresIn) return undefined;
  const intervalMs = (count(body.interval) ?? DEFAULT_INTERVAL_SECONDS) * 1000;
  return { deviceCode, userCode, verificationUrl, expiresIn, intervalMs };
}

export interface DevicePoll {
  intervalMs: number;
  timeoutMs: number;
  /** One POST to the token endpoint with the device code. */
  ask: () => Promise<FormAnswer>;
  /** The error when nothing was decided in time (`unreachable`: the last asks failed). */
  timedOut: (unreachable: boolean) => Error;
}

/**
 * Asks at the interval until the answer is final: a 200, or a refusal other than
 * `authorization_pending`, `slow_down` or a server error (each asked again later, as is a
 * dropped connection). The caller words the refusal.
 */
export async function pollDeviceGrant(ctx: Ctx, poll: DevicePoll): Promise<FormAnswer> {
  let { intervalMs } = poll;
  const deadline = Date.now() + poll.timeoutMs;
  let unreachable = false;
  for (;;) {
    try {
      await sleep(intervalMs, undefined, { signal: ctx.signal });
    } catch {
      throw interruptedError("the login was not finished.");
    }
    if (Date.now() > deadline) throw poll.timedOut(unreachable);
    let answer: FormAnswer;
    try {
      answer = await poll.ask();
    } catch (error) {
      if (!isUnreachable(error)) throw error;
      unreachable = true; // a dropped connection: ask again at the next interval
      continue;
    }
    if (answer.status === 200) return answer;
    if (answer.body.error === "authorization_pending") continue;
    if (answer.body.error === "slow_down") {
      intervalMs += SLOW_DOWN_STEP_MS;
      continue;
    }
    if (answer.status >= 500) continue;
    return answer;
  }
}
