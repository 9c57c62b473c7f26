// What a provider keeps to act for the user, and where it is kept: shared by the file and
// keychain stores.

/** What a provider keeps to act for the user. Never printed, never logged. */
export interface StoredCredentials {
  accessToken: string;
  refreshToken?: string;
  /** ISO time the access token stops working. */
  expiresAt?: string;
  /** The OAuth app (client id) that issued the refresh token. */
  clientId?: string;
  /** Google Desktop clients send their (not really secret) client secret when refreshing. */
  clientSecret?: string;
  accountId?: string;
}

export interface CredentialStore {
  /** Where a provider's credentials are (or would be saved), for `status` and `logout`. */
  locate(provider: string): Promise<string>;
  get(provider: string): Promise<StoredCredentials | undefined>;
  set(provider: string, credentials: StoredCredentials): Promise<void>;
  delete(provider: string): Promise<boolean>;
}
