// `dmshare login dropbox`: OAuth with PKCE through Dropbox's consent page, the code coming
// back to a loopback redirect (or pasted), or an access token given with --token.

import { DropboxAuth, DropboxResponseError } from "dropbox";
import type { Ctx } from "../../context.ts";
import { authError, usageError } from "../../lib/errors.ts";
import { BUILTIN_APPS } from "../builtin-apps.ts";
import { newOAuthState, openIfWanted, receiveOAuthRedirect } from "../oauth-loopback.ts";
import type { Account, LoginRequest, LoginUi, ProviderSession } from "../provider.ts";
import { loginWithToken } from "../token-login.ts";
import { translate } from "./errors.ts";
import { DROPBOX, dropboxFetch, loginPageUrl, openSession, whoami } from "./session.ts";

interface CodeTokens {
  access_token: string;
  refresh_token?: string;
  expires_in?: number;
  account_id?: string;
}

export async function login(
  request: LoginRequest,
  session: ProviderSession,
  ui: LoginUi,
): Promise<Account> {
  const { ctx, credentials } = session;
  if (request.token) {
    return loginWithToken(DROPBOX.name, DROPBOX.label, request.token, session, async (withToken) =>
      whoami(await openSession(withToken)),
    );
  }
  if (request.device) {
    throw usageError(
      "Dropbox has no device login: --device is for Google Drive.",
      "Without a browser here: dmshare login dropbox --no-browser --no-redirect (open the URL anywhere, paste the code Dropbox shows).",
    );
  }
  const appKey = chooseAppKey(ctx, request, ui);
  const auth = new DropboxAuth({ clientId: appKey, fetch: dropboxFetch(ctx) });
  const { code, redirectUri } = await authorizationCode(ctx, request, ui, auth);
  const tokens = await exchangeCode(auth, code, redirectUri);
  await credentials.set(DROPBOX.name, {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    expiresAt: tokens.expires_in
      ? new Date(ctx.now().getTime() + tokens.expires_in * 1000).toISOString()
      : undefined,
    clientId: appKey,
    accountId: tokens.account_id,
  });
  return whoami(await openSession(session));
}

/** Yours (--app-key, DMSHARE_DROPBOX_APP_KEY) first, else the one this build carries. */
function chooseAppKey(ctx: Ctx, request: LoginRequest, ui: LoginUi): string {
  const yours = request.clientId ?? ctx.env.DMSHARE_DROPBOX_APP_KEY?.trim();
  const appKey = yours || BUILTIN_APPS.dropboxAppKey;
  if (!appKey) {
    throw usageError(
      "No Dropbox app key given, and this build of dmshare carries no app of its own.",
      'Create a Dropbox app in the Dropbox App Console (https://www.dropbox.com/developers/apps; README, "Connect Dropbox"), then run: dmshare login dropbox --app-key KEY  (or set DMSHARE_DROPBOX_APP_KEY)',
    );
  }
  if (!yours) ui.info("Logging in with dmshare's own Dropbox app (--app-key KEY uses yours).");
  return appKey;
}

/** The code Dropbox gives after Allow: by the loopback redirect, or pasted (no redirect). */
async function authorizationCode(
  ctx: Ctx,
  request: LoginRequest,
  ui: LoginUi,
  auth: DropboxAuth,
): Promise<{ code: string; redirectUri: string | undefined }> {
  /** Shows (and opens) Dropbox's consent page; no redirect URI means Dropbox shows a code. */
  const presentLoginPage = async (redirectUri: string | undefined, state: string) => {
    const url = await auth.getAuthenticationUrl(
      redirectUri as string,
      state,
      "code",
      "offline",
      undefined,
      "none",
      true,
    );
    const loginUrl = loginPageUrl(ctx, String(url));
    ui.showAuthorizeUrl(loginUrl, await openIfWanted(ctx, loginUrl, request.openBrowser));
  };
  if (request.pasteCode) {
    await presentLoginPage(undefined, newOAuthState());
    const code = (
      await ui.askForCode("Paste the code Dropbox shows after you press Allow: ")
    ).trim();
    if (!code) {
      throw usageError("No code pasted.", "Run dmshare login dropbox --no-redirect again.");
    }
    return { code, redirectUri: undefined };
  }
  const receiver = await receiveOAuthRedirect({
    port: request.port,
    providerLabel: DROPBOX.label,
    timeoutMs: request.timeoutMs,
    signal: ctx.signal,
  });
  try {
    await presentLoginPage(receiver.redirectUri, receiver.state);
    return { code: await receiver.code, redirectUri: receiver.redirectUri };
  } finally {
    receiver.close();
  }
}

async function exchangeCode(
  auth: DropboxAuth,
  code: string,
  redirectUri: string | undefined,
): Promise<CodeTokens> {
  try {
    const response = await auth.getAccessTokenFromCode(redirectUri as string, code);
    return response.result as CodeTokens;
  } catch (error) {
    if (error instanceof DropboxResponseError && error.status === 400) {
      throw authError(
        "Dropbox did not accept the login code (it may have expired or been used already).",
        "Run dmshare login dropbox again.",
      );
    }
    throw translate(error, "finish the login", "Run: dmshare login dropbox");
  }
}
