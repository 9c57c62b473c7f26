// Logging in to OneDrive. This minimal version stores an access token given with --token; the
// browser and device-code logins (Microsoft identity platform) replace this file.

import { usageError } from "../../lib/errors.ts";
import type { Account, LoginRequest, LoginUi, ProviderSession } from "../provider.ts";
import { loginWithToken } from "../token-login.ts";
import { LABEL } from "./errors.ts";

export async function loginOneDrive(
  request: LoginRequest,
  session: ProviderSession,
  _ui: LoginUi,
  whoami: (session: ProviderSession) => Promise<Account>,
): Promise<Account> {
  if (request.token) {
    return loginWithToken("onedrive", LABEL, request.token, session, whoami);
  }
  throw usageError(
    "This build of dmshare can't log in to OneDrive in the browser yet.",
    'Give an access token: printf %s "$TOKEN" | dmshare login onedrive --token -   (or set DMSHARE_ONEDRIVE_TOKEN)',
  );
}
