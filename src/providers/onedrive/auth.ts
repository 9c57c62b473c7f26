// The OneDrive access token a run uses. This minimal version takes DMSHARE_ONEDRIVE_TOKEN or a
// stored access token and cannot refresh; the login side (identity platform, refresh tokens
// that rotate) replaces this file, keeping its interface.

import type { Credentials } from "../authorized-call.ts";
import type { ProviderSession } from "../provider.ts";

export interface OneDriveAuth {
  /** The access token to send now. */
  accessToken(): Promise<string>;
  /** A new access token after Graph rejected the current one (once); null when there is none. */
  refresh(): Promise<string | null>;
}

export function openAuth(_session: ProviderSession, credentials: Credentials): OneDriveAuth {
  const token = credentials.stored.accessToken;
  return {
    accessToken: async () => token,
    refresh: async () => null,
  };
}
