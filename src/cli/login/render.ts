import type { Account } from "../../providers/provider.ts";

/** Where to log in: the page opened in the browser, or to open by hand. */
export function authorizeUrlText(provider: string, url: string, opened: boolean): string {
  return opened
    ? `Opened ${provider} in your browser. If nothing appeared, open:\n  ${url}`
    : `Open this page to log in to ${provider}:\n  ${url}`;
}

/** The device login: where to go, the code to enter, for how long. */
export function deviceCodeText(url: string, code: string, expiresInSeconds: number): string {
  return (
    `On any device with a browser, open ${url} and enter the code:\n  ${code}\n` +
    `(it works for ${Math.round(expiresInSeconds / 60)} min). Waiting for you to allow dmshare…`
  );
}

export function loggedInLine(provider: string, account: Account): string {
  return `Logged in to ${provider} as ${account.name}${account.email ? ` (${account.email})` : ""}`;
}

export function loggedOutLine(provider: string, removed: boolean, location: string): string {
  return removed
    ? `Logged out of ${provider}: removed the stored credentials (${location}).`
    : `Not logged in to ${provider}; nothing to remove.`;
}

/** The choices of "which account": each provider, marked when logged in. */
export function providerChoiceName(displayName: string, loggedIn: boolean): string {
  return `${displayName}${loggedIn ? " (logged in)" : ""}`;
}
