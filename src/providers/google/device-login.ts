// The device authorization grant ("OAuth 2.0 for TV and Limited-Input Device Applications",
// RFC 8628): a code shown here, entered on another device, and the token endpoint polled
// until it is allowed (`dmshare login gdrive --device`).

import type { Ctx } from "../../context.ts";
import { authError, providerError, usageError } from "../../lib/errors.ts";
import { baseUrlOverride } from "../base-url.ts";
import {
  count,
  DEVICE_GRANT_TYPE,
  type DeviceCode,
  deviceCodeOf,
  type FormTarget,
  isVerificationPage,
  pollDeviceGrant,
  postForm,
  text,
} from "../oauth-device.ts";
import type { LoginRequest, LoginUi } from "../provider.ts";
import { type ClientConfig, CONSOLE, type LoginTokens, README_SECTION } from "./client.ts";
import { type GoogleService, googleEndpoints, googleHosts } from "./session.ts";

/**
 * The scopes dmshare uses that Google allows in the device flow (its "Allowed scopes" list:
 * Drive's drive.file and drive.appdata, sign-in, YouTube; not the Photos Library API).
 */
const DEVICE_FLOW_SCOPES = new Set(["https://www.googleapis.com/auth/drive.file"]);

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
 * or, when DMSHARE_GOOGLE_API_URL points at an emulator, the page it names.
 */
const isGooglePage = (ctx: Ctx) => (page: string) =>
  isVerificationPage(page, {
    hosts: ["www.google.com", "google.com"],
    overridden: baseUrlOverride(ctx, "DMSHARE_GOOGLE_API_URL", "Google") !== undefined,
  });

const googleForms = (ctx: Ctx): FormTarget => ({
  label: "Google",
  service: "Google",
  hosts: googleHosts(ctx),
});

/** Google's refusal in one phrase: `description (error)`. */
const refusal = (body: Record<string, unknown>, status: number) => {
  const error = text(body.error) ?? `HTTP ${status}`;
  const description = text(body.error_description);
  return description && description !== error ? `${description} (${error})` : error;
};

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
    googleForms(ctx),
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
  const code = deviceCodeOf(started.body, isGooglePage(ctx));
  if (!code) {
    throw providerError(
      "Google's answer to the device login lacks the code or the page to enter it on.",
      `Try again later, or log in without --device: dmshare login ${service.name}`,
    );
  }
  return code;
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
  const { tokenUrl } = googleEndpoints(ctx);
  const answer = await pollDeviceGrant(ctx, {
    intervalMs: started.intervalMs,
    timeoutMs: request.timeoutMs,
    ask: () =>
      postForm(
        ctx,
        googleForms(ctx),
        tokenUrl,
        {
          client_id: client.clientId,
          client_secret: client.clientSecret,
          device_code: deviceCode,
          grant_type: DEVICE_GRANT_TYPE,
        },
        "finish the device login",
      ),
    timedOut: (unreachable) =>
      authError(
        `No answer from the ${service.label} login within ${Math.round(request.timeoutMs / 1000)} s${unreachable ? " (Google could not be reached)" : ""}.`,
        `Run ${again} again and enter the code; --timeout SECONDS waits longer.`,
      ),
  });
  if (answer.status === 200) return deviceTokens(ctx, answer.body, again);
  switch (answer.body.error) {
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
  throw authError(
    `Google did not finish the device login: ${refusal(answer.body, answer.status)}.`,
    `Run ${again} again.`,
  );
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
