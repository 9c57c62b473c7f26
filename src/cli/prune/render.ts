/** What `prune --install` says it did, and where to see and undo it. */
export function installedLines(timer: string): [string, string] {
  return [
    `Installed ${timer}: it runs dmshare prune --yes, so links past their expiry are revoked within the hour.`,
    "dmshare status shows it; dmshare prune --uninstall removes it.",
  ];
}

/** A login only in the environment: the timer can't use it, and how to fix that. */
export function envOnlyWarning(name: string, variable: string): [string, string] {
  return [
    `The timer can't revoke your ${name} links: that login is only in ${variable}, which the timer does not get (it never keeps a token).`,
    `Store the login so the timer can use it: dmshare login ${name}   (or: dmshare login ${name} --token -)`,
  ];
}

/** What `prune --uninstall` says: nothing was there, or what it removed. */
export function uninstalledLine(removed: string[]): string {
  return removed.length === 0
    ? "No dmshare prune timer was installed: nothing to remove."
    : `Removed the dmshare prune timer (${removed.join(", ")}).`;
}
