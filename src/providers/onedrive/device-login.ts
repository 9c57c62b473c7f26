// The device authorization grant on the Microsoft identity platform (RFC 8628):
// `dmshare login onedrive --device` shows a code to enter at microsoft.com/devicelogin on
// another device, then polls the token endpoint until it is allowed, declined or expired.
// Microsoft answers authorization_pending, authorization_declined, bad_verification_code and
// expired_token; slow_down (RFC 8628 §3.5) is honoured too.

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
import type { LoginRequest, LoginUi } from "../provider.ts";
import {
  count,
  ENTRA,
  type FormAnswer,
  type IdentityTokens,
  identityEndpoints,
  LABEL,
  postForm,
  README_SECTION,
  refusal,
  SCOPES,
  text,
  tokensOf,
  unreachableErrors,
} from "./identity.ts";

const DEVICE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code";
const SLOW_DOWN_STEP_MS = 5000;
const DEFAULT_INTERVAL_SECONDS = 5;
const AGAIN = "dmshare login onedrive --device";
/** Where Microsoft sends people with a device code. */
const VERIFICATION_HOSTS = [
  "microsoft.com",
  "www.microsoft.com",
  "login.microsoft.com",
  "login.microsoftonline.com",
  "aka.ms",
];

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
  clientId: string,
): Promise<IdentityTokens> {
  const started = await startDeviceLogin(ctx, clientId);
  ui.showDeviceCode(started.verificationUrl, started.userCode, started.expiresIn);
  return pollDeviceLogin(ctx, request, clientId, started);
}

/**
 * Microsoft's own page, or the emulator's when the endpoints are overridden; a URL with
 * control characters or spaces is never shown (it came from an answer dmshare can't trust).
 */
function isVerificationPage(ctx: Ctx, page: string): boolean {
  let url: URL;
  try {
    url = new URL(page);
  } catch {
    return false;
  }
  if (withoutControls(page) !== page || /\s/.test(page)) return false;
  if (identityEndpoints(ctx).overridden)
    return url.protocol === "http:" || url.protocol === "https:";
  return url.protocol === "https:" && VERIFICATION_HOSTS.includes(url.hostname);
}

async function startDeviceLogin(ctx: Ctx, clientId: string): Promise<DeviceCode> {
  const started = await postForm(
    ctx,
    identityEndpoints(ctx).deviceCodeUrl,
    { client_id: clientId, scope: SCOPES.join(" ") },
    "start the device login",
  );
  if (started.status !== 200) {
    const reason = refusal(started.body, started.status);
    if (started.status < 500 && /client/.test(String(started.body.error))) {
      throw usageError(
        `Microsoft refused the app ${clientId} for the device login: ${reason}.`,
        `Check the Application (client) ID and that the app allows personal Microsoft accounts (${README_SECTION}: ${ENTRA}).`,
      );
    }
    throw providerError(
      `Microsoft refused to start the device login: ${reason}.`,
      started.status >= 500
        ? "Try again later."
        : "Log in without --device: dmshare login onedrive",
    );
  }
  const body = started.body;
  const deviceCode = text(body.device_code);
  const userCode = text(body.user_code);
  const verificationUrl = text(body.verification_uri ?? body.verification_url);
  const expiresIn = count(body.expires_in);
  if (
    !deviceCode ||
    !userCode ||
    !/^[A-Za-z0-9-]{1,32}$/.test(userCode) ||
    !verificationUrl ||
    !isVerificationPage(ctx, verificationUrl) ||
    !expiresIn
  ) {
    throw providerError(
      "Microsoft's answer to the device login lacks the code or the page to enter it on.",
      "Try again later, or log in without --device: dmshare login onedrive",
    );
  }
  const intervalMs = (count(body.interval) ?? DEFAULT_INTERVAL_SECONDS) * 1000;
  return { deviceCode, userCode, verificationUrl, expiresIn, intervalMs };
}

async function pollDeviceLogin(
  ctx: Ctx,
  request: LoginRequest,
  clientId: string,
  started: DeviceCode,
): Promise<IdentityTokens> {
  let { intervalMs } = started;
  const { tokenUrl } = identityEndpoints(ctx);
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
        `No answer from the ${LABEL} login within ${Math.round(request.timeoutMs / 1000)} s${unreachable ? " (Microsoft could not be reached)" : ""}.`,
        `Run ${AGAIN} again and enter the code; --timeout SECONDS waits longer.`,
      );
    }
    let answer: FormAnswer;
    try {
      answer = await postForm(
        ctx,
        tokenUrl,
        { grant_type: DEVICE_GRANT_TYPE, client_id: clientId, device_code: started.deviceCode },
        "finish the device login",
      );
    } catch (error) {
      if (!(error instanceof DmshareError) || !unreachableErrors.has(error)) throw error;
      unreachable = error; // a dropped connection: ask again at the next interval
      continue;
    }
    if (answer.status === 200) return grantedTokens(ctx, answer);
    if (answer.body.error === "authorization_pending") continue;
    if (answer.body.error === "slow_down") {
      intervalMs += SLOW_DOWN_STEP_MS;
      continue;
    }
    if (answer.status >= 500) continue;
    throw pollRefusal(answer, started, clientId);
  }
}

function grantedTokens(ctx: Ctx, answer: FormAnswer): IdentityTokens {
  const tokens = tokensOf(ctx, answer.body);
  if (!tokens) {
    throw providerError(
      "Microsoft's answer to the device login carried no usable access token.",
      `Run ${AGAIN} again.`,
    );
  }
  return tokens;
}

/** The final answers: declined, expired, an app without public client flows, the rest. */
function pollRefusal(answer: FormAnswer, started: DeviceCode, clientId: string): DmshareError {
  const { error } = answer.body;
  if (error === "authorization_declined" || error === "access_denied") {
    return authError(
      `${LABEL} login was not completed: sign-in was declined on Microsoft's page.`,
      `Run ${AGAIN} again and accept.`,
    );
  }
  if (error === "expired_token" || error === "bad_verification_code") {
    return authError(
      `The code ${started.userCode} expired before it was entered and accepted.`,
      `Run ${AGAIN} again and enter the new code within ${Math.round(started.expiresIn / 60)} min.`,
    );
  }
  const reason = refusal(answer.body, answer.status);
  if (error === "invalid_client" && /AADSTS7000218/.test(reason)) {
    return usageError(
      `The app ${clientId} does not allow the device login: ${reason}.`,
      `In ${ENTRA}, open the app's Authentication page and turn on "Allow public client flows" (${README_SECTION}), or log in without --device.`,
    );
  }
  return authError(`Microsoft did not finish the device login: ${reason}.`, `Run ${AGAIN} again.`);
}
