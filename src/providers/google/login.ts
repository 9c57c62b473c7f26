// `dmshare login gdrive|gphotos`: Google's installed-app flow (loopback redirect, PKCE,
// offline access), the device grant (--device, in device-login.ts), or a token (--token).

import type { Credentials } from "google-auth-library";
import type { Ctx } from "../../context.ts";
import { authError, usageError } from "../../lib/errors.ts";
import { openIfWanted, receiveOAuthRedirect } from "../oauth-loopback.ts";
import type { Account, LoginRequest, LoginUi, ProviderSession } from "../provider.ts";
import { loginWithToken } from "../token-login.ts";
import { type ClientConfig, clientConfig, type LoginTokens } from "./client.ts";
import { canUseDeviceFlow, deviceLogin, refuseScopesOutsideDeviceFlow } from "./device-login.ts";
import { httpErrorOf, translate } from "./errors.ts";
import { type GoogleService, newOAuthClient } from "./session.ts";

/**
 * Logs in with the installed-app flow: a loopback redirect on any free port (Google accepts
 * any port for Desktop clients), PKCE, offline access so a refresh token is stored. With
 * `device`, with the device authorization grant instead: a code to enter on another device.
 */
export async function loginGoogle(
  request: LoginRequest,
  session: ProviderSession,
  ui: LoginUi,
  service: GoogleService,
  whoami: (session: ProviderSession) => Promise<Account>,
): Promise<Account> {
  const { ctx, credentials } = session;
  if (request.token)
    return loginWithToken(service.name, service.label, request.token, session, whoami);
  if (request.device) refuseScopesOutsideDeviceFlow(service);
  if (request.pasteCode) {
    throw usageError(
      "Google has no paste-the-code login for desktop apps; the browser must reach this machine.",
      `${canUseDeviceFlow(service) ? `Use --device to enter a code on another device, or ` : "Use "}--no-browser to print the login URL, or give a token: dmshare login ${service.name} --token -`,
    );
  }
  const client = await clientConfig(ctx, request, service.name);
  if (client.builtin) {
    ui.info(
      `Logging in with dmshare's own Google OAuth client (--credentials or --client-id/--client-secret use yours).`,
    );
  }
  const tokens = request.device
    ? await deviceLogin(ctx, request, ui, service, client)
    : await loopbackLogin(ctx, request, ui, service, client);
  await credentials.set(service.name, {
    ...tokens,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
  });
  return whoami(session);
}

async function loopbackLogin(
  ctx: Ctx,
  request: LoginRequest,
  ui: LoginUi,
  service: GoogleService,
  client: ClientConfig,
): Promise<LoginTokens> {
  const auth = await newOAuthClient(ctx, client);
  const { codeVerifier, codeChallenge } = await auth.generateCodeVerifierAsync();
  const receiver = await receiveOAuthRedirect({
    port: request.port,
    providerLabel: service.label,
    timeoutMs: request.timeoutMs,
    signal: ctx.signal,
  });
  let code: string;
  try {
    const url = auth.generateAuthUrl({
      access_type: "offline",
      prompt: "consent",
      scope: service.scopes,
      state: receiver.state,
      redirect_uri: receiver.redirectUri,
      code_challenge: codeChallenge,
      code_challenge_method: (await import("google-auth-library")).CodeChallengeMethod.S256,
    });
    const opened = await openIfWanted(ctx, url, request.openBrowser);
    ui.showAuthorizeUrl(url, opened);
    if (!opened && canUseDeviceFlow(service)) {
      ui.info(
        `No browser on this machine? dmshare login ${service.name} --device shows a code to enter on another device instead.`,
      );
    }
    code = await receiver.code;
  } finally {
    receiver.close();
  }
  let tokens: Credentials;
  try {
    ({ tokens } = await auth.getToken({ code, codeVerifier, redirect_uri: receiver.redirectUri }));
  } catch (error) {
    const refused = httpErrorOf(error);
    if (refused?.status === 400) {
      throw authError(
        `Google did not accept the login code (${refused.reason}).`,
        `Run dmshare login ${service.name} again.`,
      );
    }
    throw translate(error, "finish the login", service.label, `Run: dmshare login ${service.name}`);
  }
  if (!tokens.access_token) {
    throw authError("Google's answer carried no access token.", "Run dmshare login again.");
  }
  return {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token ?? undefined,
    expiresAt: tokens.expiry_date ? new Date(tokens.expiry_date).toISOString() : undefined,
  };
}
