// The device authorization grant ("OAuth 2.0 for TV and Limited-Input Device Applications",
// RFC 8628): a code shown here, entered on another device, and the token endpoint polled
// until it is allowed (`dmshare login gdrive --device`).

import { setTimeout as sleep } from "node:timers/promises";
import type { Ctx } from "../../context.ts";
import {
  authError,
  DmshareError,
  interruptedError,
  providerError,
  usageError,
} from "../../lib/errors.ts";
import { withoutControls } from "../../lib/text.ts";
import { baseUrlOverride } from "../base-url.ts";
import { providerFetch } from "../guarded-fetch.ts";
import type { LoginRequest, LoginUi } from "../provider.ts";
import { type ClientConfig, CONSOLE, type LoginTokens, README_SECTION } from "./client.ts";
import { type GoogleService, googleEndpoints, googleHosts } from "./session.ts";

const DEVICE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code";
/**
 * The scopes dmshare uses that Google allows in the device flow (its "Allowed scopes" list:
 * Drive's drive.file and drive.appdata, sign-in, YouTube; not the Photos Library API).
 */
const DEVICE_FLOW_SCOPES = new Set(["https://www.googleapis.com/auth/drive.file"]);
/** RFC 8628 §3.5: after `slow_down` the interval grows by 5 seconds, for good. */
const SLOW_DOWN_STEP_MS = 5000;
const DEFAULT_INTERVAL_SECONDS = 5;

export const canUseDeviceFlow = (service: GoogleService) =>
  service.scopes.every((scope) => DEVICE_FLOW_SCOPES.has(scope));

export function refuseScopesOutsideDeviceFlow(service: GoogleService): void {
  if (canUseDeviceFlow(service)) return;
  throw usageError(
    `${service.label} can't be logged in to with --device: Google allows the device login only for a few scopes, and ${service.scopes.join(", ")} is not one of them.`,
    `Log in on a machine with a browser, or here with --no-browser and the printed URL opened through an SSH tunnel to the loopback port (--port N), or give a token: dmshare login ${service.name} --token -`,
  );
}

/**
 * The page a person is sent to for the device code: Google's own (`https://www.google.com/device`),
 * or, when DMSHARE_GOOGLE_API_URL points at an emulator, the page it names. Anything else, or a
 * URL with control characters or spaces, is not shown: it came from an answer dmshare can't
 * trust.
 */
function isVerificationPage(ctx: Ctx, text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (withoutControls(text) !== text || /\s/.test(text)) return false;
  // An emulator (or a proxy in front of one) serves its own page, on whatever host it names.
  if (baseUrlOverride(ctx, "DMSHARE_GOOGLE_API_URL", "Google")) {
    return url.protocol === "http:" || url.protocol === "https:";
  }
  return url.protocol === "https:" && ["www.google.com", "google.com"].includes(url.hostname);
}

/** Errors of `postForm` that mean Google could not be reached: a poll may simply try again. */
const unreachableErrors = new WeakSet<Error>();

interface FormAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** POSTs a form to a Google OAuth endpoint; the JSON answer whatever the status. */
async function postForm(
  ctx: Ctx,
  url: string,
  form: Record<string, string>,
  action: string,
): Promise<FormAnswer> {
  let response: Response;
  let text: string;
  try {
    // Through the guarded fetch: the client secret goes to Google's hosts only (a redirect
    // elsewhere is refused), and a silent or dripping answer ends within the call bounds.
    response = await providerFetch(
      ctx,
      "Google",
      googleHosts(ctx),
    )(url, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form).toString(),
      signal: ctx.signal,
    });
    text = await response.text();
  } catch (error) {
    if (ctx.signal.aborted) throw interruptedError("the login was not finished.");
    // A refusal of the guarded fetch (a redirect to another host, say) ends the login.
    if (error instanceof DmshareError) throw error;
    const unreachable = providerError(
      `Could not reach Google to ${action}.`,
      "Check your network connection and try again.",
      error,
    );
    unreachableErrors.add(unreachable);
    throw unreachable;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return {
    status: response.status,
    body: body !== null && typeof body === "object" ? (body as Record<string, unknown>) : {},
  };
}

const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
const count = (value: unknown) =>
  typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;

/** Google's refusal in one phrase: `description (error)`. */
const refusal = (body: Record<string, unknown>, status: number) => {
  const error = text(body.error) ?? `HTTP ${status}`;
  const description = text(body.error_description);
  return description && description !== error ? `${description} (${error})` : error;
};

interface DeviceCode {
  deviceCode: string;
  userCode: string;
  verificationUrl: string;
  expiresIn: number;
  intervalMs: number;
}

export async function deviceLogin(
  ctx: Ctx,
  request: LoginRequest,
  ui: LoginUi,
  service: GoogleService,
  client: ClientConfig,
): Promise<LoginTokens> {
  const again = `dmshare login ${service.name} --device`;
  const started = await startDeviceLogin(ctx, service, client, again);
  ui.showDeviceCode(started.verificationUrl, started.userCode, started.expiresIn);
  return pollDeviceLogin(ctx, request, service, client, started, again);
}

/** Asks Google for a device code, and checks the answer before anything of it is shown. */
async function startDeviceLogin(
  ctx: Ctx,
  service: GoogleService,
  client: ClientConfig,
  again: string,
): Promise<DeviceCode> {
  const started = await postForm(
    ctx,
    googleEndpoints(ctx).deviceCodeUrl,
    { client_id: client.clientId, scope: service.scopes.join(" ") },
    "start the device login",
  );
  if (started.status !== 200) {
    const reason = refusal(started.body, started.status);
    if (started.body.error === "invalid_client") {
      throw usageError(
        `Google refused the OAuth client ${client.clientId} for the device login: ${reason}.`,
        `The device login needs a client of type "TVs and Limited Input devices" (in the Google Cloud Console, ${CONSOLE}; ${README_SECTION}): ${again} --client-id ID --client-secret SECRET`,
      );
    }
    throw providerError(
      `Google refused to start the device login: ${reason}.`,
      started.status >= 500
        ? "Try again later."
        : `Log in without --device: dmshare login ${service.name}`,
    );
  }
  const deviceCode = text(started.body.device_code);
  const userCode = text(started.body.user_code);
  const verificationUrl = text(started.body.verification_url ?? started.body.verification_uri);
  const expiresIn = count(started.body.expires_in);
  if (
    !deviceCode ||
    !userCode ||
    !/^[A-Za-z0-9-]{1,32}$/.test(userCode) ||
    !verificationUrl ||
    !isVerificationPage(ctx, verificationUrl) ||
    !expiresIn
  ) {
    throw providerError(
      "Google's answer to the device login lacks the code or the page to enter it on.",
      `Try again later, or log in without --device: dmshare login ${service.name}`,
    );
  }
  const intervalMs = (count(started.body.interval) ?? DEFAULT_INTERVAL_SECONDS) * 1000;
  return { deviceCode, userCode, verificationUrl, expiresIn, intervalMs };
}

/** Polls the token endpoint at Google's interval until the code is allowed, refused or expired. */
async function pollDeviceLogin(
  ctx: Ctx,
  request: LoginRequest,
  service: GoogleService,
  client: ClientConfig,
  started: DeviceCode,
  again: string,
): Promise<LoginTokens> {
  const { deviceCode, userCode, expiresIn } = started;
  let { intervalMs } = started;
  const { tokenUrl } = googleEndpoints(ctx);
  const deadline = Date.now() + request.timeoutMs;
  let unreachable: unknown;
  for (;;) {
    try {
      await sleep(intervalMs, undefined, { signal: ctx.signal });
    } catch {
      throw interruptedError("the login was not finished.");
    }
    if (Date.now() > deadline) {
      throw authError(
        `No answer from the ${service.label} login within ${Math.round(request.timeoutMs / 1000)} s${unreachable ? " (Google could not be reached)" : ""}.`,
        `Run ${again} again and enter the code; --timeout SECONDS waits longer.`,
      );
    }
    let answer: FormAnswer;
    try {
      answer = await postForm(
        ctx,
        tokenUrl,
        {
          client_id: client.clientId,
          client_secret: client.clientSecret,
          device_code: deviceCode,
          grant_type: DEVICE_GRANT_TYPE,
        },
        "finish the device login",
      );
    } catch (error) {
      if (!(error instanceof DmshareError) || !unreachableErrors.has(error)) throw error;
      unreachable = error; // a dropped connection: ask again at the next interval
      continue;
    }
    if (answer.status === 200) return deviceTokens(ctx, answer.body, again);
    switch (answer.body.error) {
      case "authorization_pending":
        continue;
      case "slow_down":
        intervalMs += SLOW_DOWN_STEP_MS;
        continue;
      case "access_denied":
        throw authError(
          `${service.label} login was not completed: access was denied on Google's page.`,
          `Run ${again} again and press Allow.`,
        );
      case "expired_token":
        throw authError(
          `The code ${userCode} expired before it was entered and allowed.`,
          `Run ${again} again and enter the new code within ${Math.round(expiresIn / 60)} min.`,
        );
    }
    if (answer.status >= 500) continue;
    throw authError(
      `Google did not finish the device login: ${refusal(answer.body, answer.status)}.`,
      `Run ${again} again.`,
    );
  }
}

function deviceTokens(ctx: Ctx, body: Record<string, unknown>, again: string): LoginTokens {
  const accessToken = text(body.access_token);
  if (!accessToken) {
    throw authError("Google's answer carried no access token.", `Run ${again} again.`);
  }
  const expiresIn = count(body.expires_in);
  return {
    accessToken,
    refreshToken: text(body.refresh_token),
    expiresAt: expiresIn
      ? new Date(ctx.now().getTime() + expiresIn * 1000).toISOString()
      : undefined,
  };
}
