// The device authorization grant on the Microsoft identity platform (RFC 8628):
// `dmshare login onedrive --device` shows a code to enter at microsoft.com/devicelogin on
// another device, then polls the token endpoint until it is allowed, declined or expired.
// Microsoft answers authorization_pending, authorization_declined, bad_verification_code and
// expired_token; slow_down (RFC 8628 §3.5) is honoured too.

import type { Ctx } from "../../context.ts";
import { authError, type DmshareError, providerError, usageError } from "../../lib/errors.ts";
import {
  DEVICE_GRANT_TYPE,
  type DeviceCode,
  deviceCodeOf,
  type FormAnswer,
  isVerificationPage,
  pollDeviceGrant,
  postForm,
} from "../oauth-device.ts";
import type { LoginRequest, LoginUi } from "../provider.ts";
import {
  ENTRA,
  type IdentityTokens,
  identityEndpoints,
  identityForms,
  LABEL,
  README_SECTION,
  refusal,
  SCOPES,
  tokensOf,
} from "./identity.ts";

const AGAIN = "dmshare login onedrive --device";
/** Where Microsoft sends people with a device code. */
const VERIFICATION_HOSTS = [
  "microsoft.com",
  "www.microsoft.com",
  "login.microsoft.com",
  "login.microsoftonline.com",
  "aka.ms",
];

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

/** Microsoft's own page, or the emulator's when the endpoints are overridden. */
const isMicrosoftPage = (ctx: Ctx) => (page: string) =>
  isVerificationPage(page, {
    hosts: VERIFICATION_HOSTS,
    overridden: identityEndpoints(ctx).overridden,
  });

async function startDeviceLogin(ctx: Ctx, clientId: string): Promise<DeviceCode> {
  const started = await postForm(
    ctx,
    identityForms(ctx),
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
  const code = deviceCodeOf(started.body, isMicrosoftPage(ctx));
  if (!code) {
    throw providerError(
      "Microsoft's answer to the device login lacks the code or the page to enter it on.",
      "Try again later, or log in without --device: dmshare login onedrive",
    );
  }
  return code;
}

async function pollDeviceLogin(
  ctx: Ctx,
  request: LoginRequest,
  clientId: string,
  started: DeviceCode,
): Promise<IdentityTokens> {
  const { tokenUrl } = identityEndpoints(ctx);
  const answer = await pollDeviceGrant(ctx, {
    intervalMs: started.intervalMs,
    timeoutMs: request.timeoutMs,
    ask: () =>
      postForm(
        ctx,
        identityForms(ctx),
        tokenUrl,
        { grant_type: DEVICE_GRANT_TYPE, client_id: clientId, device_code: started.deviceCode },
        "finish the device login",
      ),
    timedOut: (unreachable) =>
      authError(
        `No answer from the ${LABEL} login within ${Math.round(request.timeoutMs / 1000)} s${unreachable ? " (Microsoft could not be reached)" : ""}.`,
        `Run ${AGAIN} again and enter the code; --timeout SECONDS waits longer.`,
      ),
  });
  if (answer.status === 200) return grantedTokens(ctx, answer);
  throw pollRefusal(answer, started, clientId);
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
