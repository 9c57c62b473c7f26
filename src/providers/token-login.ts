import { authError, DmshareError } from "../errors.ts";
import type { Account, ProviderName, ProviderSession } from "./provider.ts";
import { displayNameOf, tokenVariable } from "./registry.ts";

/**
 * `login --token`: asks the provider whose token it is, the way a script's
 * DMSHARE_<PROVIDER>_TOKEN would be used, then stores it.
 */
export async function loginWithToken(
  name: ProviderName,
  token: string,
  session: ProviderSession,
  whoami: (session: ProviderSession) => Promise<Account>,
): Promise<Account> {
  const { ctx, credentials } = session;
  let account: Account;
  try {
    account = await whoami({
      ctx: { ...ctx, env: { ...ctx.env, [tokenVariable(name)]: token } },
      credentials,
    });
  } catch (error) {
    if (!(error instanceof DmshareError) || error.kind !== "auth") throw error;
    throw authError(
      `${displayNameOf(name)} did not accept the token given with --token.`,
      `Check that it is a current access token for your app, or log in in the browser: dmshare login ${name}`,
      error,
    );
  }
  await credentials.set(name, { accessToken: token, accountId: account.id });
  return account;
}
