// A Google Photos session: the shared Google connection with the append-only scope, and
// whose login it is (the Library API has no "about me").

import { authError } from "../../lib/errors.ts";
import {
  call,
  connectGoogle,
  type GoogleConnection,
  type GoogleService,
} from "../google/session.ts";
import type { Account, ProviderSession } from "../provider.ts";

const APPEND_ONLY_SCOPE = "https://www.googleapis.com/auth/photoslibrary.appendonly";
export const SERVICE: GoogleService = {
  name: "gphotos",
  label: "Google Photos",
  scopes: [APPEND_ONLY_SCOPE],
};

export interface PhotosSession {
  google: GoogleConnection;
  signal: AbortSignal;
}

export async function openSession(session: ProviderSession): Promise<PhotosSession> {
  return { google: await connectGoogle(session, SERVICE), signal: session.ctx.signal };
}

/** The Library API has no "about me"; the token's own info says whose it is and what it may do. */
export async function whoami({ google }: PhotosSession): Promise<Account> {
  const { auth } = google;
  const info = await call(google, "check your Google Photos login", async () => {
    const { token } = await auth.getAccessToken();
    return auth.getTokenInfo(token ?? "");
  });
  if (!info.scopes.includes(APPEND_ONLY_SCOPE)) {
    throw authError(
      "dmshare's Google Photos login does not allow adding photos.",
      "Log in again: dmshare login gphotos, and allow what the consent page asks for.",
    );
  }
  return {
    id: info.sub ?? info.email ?? "",
    name: info.email ?? "your Google account",
    email: info.email ?? null,
  };
}
