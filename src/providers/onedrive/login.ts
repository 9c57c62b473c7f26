// `dmshare login onedrive`: the Microsoft identity platform's authorization code flow for a
// public client (no secret) with PKCE and a loopback redirect on http://localhost (any port:
// Microsoft matches a registered http://localhost whatever the port), the device code grant
// (--device, in device-login.ts), or a token (--token).

import { createHash, randomBytes } from "node:crypto";
import type { Ctx } from "../../context.ts";
import { authError, providerError, usageError } from "../../lib/errors.ts";
import { BUILTIN_APPS } from "../builtin-apps.ts";
import { postForm } from "../oauth-device.ts";
import { openIfWanted, receiveOAuthRedirect } from "../oauth-loopback.ts";
import type { Account, LoginRequest, LoginUi, ProviderSession } from "../provider.ts";
import { loginWithToken } from "../token-login.ts";
import { ONEDRIVE } from "./auth.ts";
import { deviceLogin } from "./device-login.ts";
import {
  CLIENT_ID_VARIABLE,
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

/** An Application (client) ID is a GUID. */
const CLIENT_ID_SHAPE = /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i;

export async function loginOneDrive(
  request: LoginRequest,
  session: ProviderSession,
  ui: LoginUi,
  whoami: (session: ProviderSession) => Promise<Account>,
): Promise<Account> {
  const { ctx, credentials } = session;
  if (request.token) {
    return loginWithToken(ONEDRIVE.name, LABEL, request.token, session, whoami);
  }
  refuseForeignOptions(request);
  const client = clientIdOf(ctx, request);
  if (client.builtin) {
    ui.info(`Logging in with dmshare's own Microsoft app (--client-id uses yours).`);
  }
  const tokens = request.device
    ? await deviceLogin(ctx, request, ui, client.clientId)
    : await loopbackLogin(ctx, request, ui, client.clientId);
  await credentials.set(ONEDRIVE.name, { ...tokens, clientId: client.clientId });
  return whoami(session);
}

/** What belongs to other providers' logins, or can't work with Microsoft's. */
function refuseForeignOptions(request: LoginRequest): void {
  if (request.clientSecret !== undefined || request.credentialsFile !== undefined) {
    throw usageError(
      "OneDrive logs in as a public client, which has no client secret or client file.",
      `Give only the app's Application (client) ID: dmshare login onedrive --client-id ID (or ${CLIENT_ID_VARIABLE}).`,
    );
  }
  if (request.pasteCode) {
    throw usageError(
      "OneDrive has no paste-the-code login; the browser must reach this machine.",
      "Use --device to enter a code on another device, or --no-browser to print the login URL.",
    );
  }
}

/** --client-id, else DMSHARE_ONEDRIVE_CLIENT_ID, else the app this build carries. */
function clientIdOf(ctx: Ctx, request: LoginRequest): { clientId: string; builtin?: boolean } {
  const given = request.clientId?.trim() || ctx.env[CLIENT_ID_VARIABLE]?.trim();
  if (given) {
    if (!CLIENT_ID_SHAPE.test(given)) {
      throw usageError(
        `"${given}" is not a Microsoft Application (client) ID.`,
        `Copy the GUID shown as "Application (client) ID" on your app's Overview page (${ENTRA}).`,
      );
    }
    return { clientId: given };
  }
  if (BUILTIN_APPS.onedriveClientId)
    return { clientId: BUILTIN_APPS.onedriveClientId, builtin: true };
  throw usageError(
    "No Microsoft app given, and this build of dmshare carries none.",
    `Register an app (${README_SECTION}: ${ENTRA}), then run: dmshare login onedrive --client-id ID  (or set ${CLIENT_ID_VARIABLE})`,
  );
}

/** RFC 7636: a 43-character verifier and its SHA-256 challenge. */
function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

async function loopbackLogin(
  ctx: Ctx,
  request: LoginRequest,
  ui: LoginUi,
  clientId: string,
): Promise<IdentityTokens> {
  const endpoints = identityEndpoints(ctx);
  const { verifier, challenge } = pkcePair();
  const receiver = await receiveOAuthRedirect({
    port: request.port,
    providerLabel: LABEL,
    timeoutMs: request.timeoutMs,
    signal: ctx.signal,
  });
  // Registered as http://localhost, which Microsoft matches on any port; 127.0.0.1 is not
  // the same redirect URI to it. The listener is on 127.0.0.1, where localhost leads.
  const redirectUri = receiver.redirectUri.replace("//127.0.0.1:", "//localhost:");
  let code: string;
  try {
    const url = new URL(endpoints.authorizeUrl);
    url.search = new URLSearchParams({
      client_id: clientId,
      response_type: "code",
      redirect_uri: redirectUri,
      response_mode: "query",
      scope: SCOPES.join(" "),
      state: receiver.state,
      code_challenge: challenge,
      code_challenge_method: "S256",
    }).toString();
    const opened = await openIfWanted(ctx, url.href, request.openBrowser);
    ui.showAuthorizeUrl(url.href, opened);
    if (!opened) {
      ui.info(
        "No browser on this machine? dmshare login onedrive --device shows a code to enter on another device instead.",
      );
    }
    code = await receiver.code;
  } finally {
    receiver.close();
  }
  return redeemCode(ctx, clientId, code, redirectUri, verifier);
}

async function redeemCode(
  ctx: Ctx,
  clientId: string,
  code: string,
  redirectUri: string,
  verifier: string,
): Promise<IdentityTokens> {
  const answer = await postForm(
    ctx,
    identityForms(ctx),
    identityEndpoints(ctx).tokenUrl,
    {
      client_id: clientId,
      grant_type: "authorization_code",
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      scope: SCOPES.join(" "),
    },
    "finish the login",
  );
  if (answer.status >= 500) {
    throw providerError(
      `Microsoft's login service failed to finish the login: ${refusal(answer.body, answer.status)}.`,
      "Try again later: dmshare login onedrive",
    );
  }
  if (answer.status !== 200) {
    throw authError(
      `Microsoft did not accept the login: ${refusal(answer.body, answer.status)}.`,
      answer.body.error === "invalid_client"
        ? `The app must be a public client (${README_SECTION}: platform "Mobile and desktop applications"), then run dmshare login onedrive again.`
        : "Run dmshare login onedrive again.",
    );
  }
  const tokens = tokensOf(ctx, answer.body);
  if (!tokens) {
    throw providerError(
      "Microsoft's answer to the login carried no usable access token.",
      "Run dmshare login onedrive again.",
    );
  }
  return tokens;
}
