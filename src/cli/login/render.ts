import type { Account } from "../../providers/provider.ts";

/** How the login page was put in front of the person, and what dmshare does next. */
export interface AuthorizeStep {
  /** The browser was opened on it. */
  opened: boolean;
  /** Opening a browser was wanted (no --no-browser): not opened means it failed. */
  wanted: boolean;
  /** Seconds dmshare waits for the browser to come back; undefined when a code is pasted. */
  waitSeconds?: number;
}

/** Where to log in: the page opened in the browser, or to open by hand; then the wait. */
export function authorizeUrlText(provider: string, url: string, step: AuthorizeStep): string {
  const page = step.opened
    ? `Opened ${provider} in your browser. If nothing appeared, open:`
    : step.wanted
      ? `Couldn't open a browser here. Open this page to log in to ${provider}:`
      : `Open this page to log in to ${provider}:`;
  const wait =
    step.waitSeconds === undefined
      ? ""
      : `\nWaiting for the browser… (Ctrl-C cancels; dmshare gives up after ${step.waitSeconds} s)`;
  return `${page}\n  ${url}${wait}`;
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
