import { authError, DmshareError } from "../lib/errors.ts";
import { rememberSecrets } from "../lib/secrets.ts";
import type { StoredCredentials } from "../store/credentials.ts";
import {
  type Account,
  type ProviderName,
  type ProviderSession,
  tokenVariable,
} from "./provider.ts";

/**
 * `login --token`: asks the provider whose token it is, the way a script's
 * DMSHARE_<PROVIDER>_TOKEN would be used, then stores it.
 */
export async function loginWithToken(
  name: ProviderName,
  label: string,
  token: string,
  session: ProviderSession,
  whoami: (session: ProviderSession) => Promise<Account>,
): Promise<Account> {
  const { ctx, credentials } = session;
  rememberSecrets(token);
  let account: Account;
  try {
    account = await whoami({
      ctx: { ...ctx, env: { ...ctx.env, [tokenVariable(name)]: token } },
      credentials,
    });
  } catch (error) {
    if (!(error instanceof DmshareError) || error.kind !== "auth") throw error;
    throw authError(
      `${label} did not accept the token given with --token.`,
      `Check that it is a current access token for your app, or log in in the browser: dmshare login ${name}`,
      error,
    );
  }
  await credentials.set(name, { accessToken: token, accountId: account.id });
  return account;
}

/** Visible ASCII only: what an OAuth token or secret is made of (RFC 6749, RFC 6750). */
const TOKEN_SHAPE = /^[\x21-\x7e]+$/;

/**
 * Refuses credentials that can't be what the provider issued (a newline, a space, a control
 * character: a damaged file or a bad paste) before they go into a header, where the HTTP
 * library would reject them with the value in its message.
 */
export function checkCredentialShape(
  credentials: StoredCredentials,
  label: string,
  fix: string,
): void {
  const { accessToken, refreshToken, clientSecret } = credentials;
  rememberSecrets(accessToken, refreshToken, clientSecret);
  for (const [what, value] of [
    ["access token", accessToken],
    ["refresh token", refreshToken],
    ["client secret", clientSecret],
  ] as const) {
    if (value !== undefined && !TOKEN_SHAPE.test(value)) {
      throw authError(
        `dmshare's ${label} ${what} has characters no ${what} has (a space, a line break or a control character).`,
        fix,
      );
    }
  }
}
