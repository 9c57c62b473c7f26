// The OAuth client a Google login uses: the user's (flags, client_secret.json, environment),
// else the one this build carries.

import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Ctx } from "../../context.ts";
import { usageError } from "../../lib/errors.ts";
import { rememberSecrets } from "../../lib/secrets.ts";
import { BUILTIN_APPS } from "../builtin-apps.ts";
import type { LoginRequest, ProviderName } from "../provider.ts";

/** What a login gets from Google's token endpoint, as dmshare stores it. */
export interface LoginTokens {
  accessToken: string;
  refreshToken?: string;
  expiresAt?: string;
}

export interface ClientConfig {
  clientId: string;
  clientSecret: string;
  /** The client this build of dmshare carries (src/providers/builtin-apps.ts). */
  builtin?: boolean;
}

export const CONSOLE = "https://console.cloud.google.com/apis/credentials";
export const README_SECTION = 'README, "Connect Google Drive (and Google Photos)"';

/**
 * The user's OAuth client (flags, else client_secret.json, else the environment), else the
 * one this build carries: a Desktop app client for the browser login, a "TVs and Limited
 * Input devices" client for the device login. Half a client of the user's is an error, not a
 * reason to mix in the built-in one.
 */
export async function clientConfig(
  ctx: Ctx,
  request: LoginRequest,
  provider: ProviderName,
): Promise<ClientConfig> {
  const file = request.credentialsFile ?? ctx.env.DMSHARE_GOOGLE_CREDENTIALS;
  const fromFile = file ? await readClientSecretFile(ctx, file) : undefined;
  const clientId = request.clientId ?? fromFile?.clientId ?? ctx.env.DMSHARE_GOOGLE_CLIENT_ID;
  const clientSecret =
    request.clientSecret ?? fromFile?.clientSecret ?? ctx.env.DMSHARE_GOOGLE_CLIENT_SECRET;
  if (clientId && clientSecret) {
    rememberSecrets(clientSecret);
    return { clientId, clientSecret };
  }
  const builtin = request.device ? BUILTIN_APPS.googleDevice : BUILTIN_APPS.google;
  if (!clientId && !clientSecret && builtin) return { ...builtin, builtin: true };
  const none = clientId || clientSecret ? "" : ", and this build of dmshare carries none";
  const what = request.device
    ? `Google OAuth client for the device login${clientId ? " secret" : ""}`
    : `Google OAuth client${clientId ? " secret" : ""}`;
  throw usageError(
    `No ${clientSecret ? "Google OAuth client id" : what} given${none}.`,
    request.device
      ? `The device login needs an OAuth client of type "TVs and Limited Input devices" (in the Google Cloud Console, ${CONSOLE}; ${README_SECTION}), then run: dmshare login ${provider} --device --client-id ID --client-secret SECRET`
      : `Create a Desktop app OAuth client in the Google Cloud Console (${CONSOLE}; ${README_SECTION}), then run: dmshare login ${provider} --credentials client_secret.json  (or --client-id ID --client-secret SECRET, or DMSHARE_GOOGLE_CLIENT_ID / DMSHARE_GOOGLE_CLIENT_SECRET)`,
  );
}

async function readClientSecretFile(ctx: Ctx, file: string): Promise<ClientConfig> {
  let text: string;
  try {
    text = await readFile(path.resolve(ctx.cwd, file), "utf8");
  } catch (error) {
    throw usageError(
      `Can't read the Google client file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`,
      "Give the client_secret_….json file the Google Cloud console downloaded.",
    );
  }
  let parsed: { installed?: { client_id?: string; client_secret?: string }; web?: unknown };
  try {
    parsed = JSON.parse(text);
  } catch {
    throw usageError(
      `${file} is not JSON.`,
      "Give the client_secret_….json file the Google Cloud console downloaded.",
    );
  }
  if (parsed.web && !parsed.installed) {
    throw usageError(
      `${file} is a "Web application" OAuth client; dmshare needs a "Desktop app" client.`,
      'In the Google Cloud console create an OAuth client of type "Desktop app" and download its JSON.',
    );
  }
  const { client_id: clientId, client_secret: clientSecret } = parsed.installed ?? {};
  if (!clientId || !clientSecret) {
    throw usageError(
      `${file} has no installed.client_id and installed.client_secret.`,
      "Give the client_secret_….json file the Google Cloud console downloaded.",
    );
  }
  return { clientId, clientSecret };
}
