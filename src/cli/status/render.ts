import type { ChalkInstance } from "chalk";
import { type DmshareExpiry, describeTimer } from "../../core/prune-timer.ts";
import type { ProviderStatus } from "../../core/status.ts";

/** One line per provider: logged in as whom, rejected, or not logged in; and from where. */
export function statusLine(status: ProviderStatus, style: ChalkInstance): string {
  const where =
    status.source === "env" ? `token from ${status.location}` : `credentials in ${status.location}`;
  switch (status.state) {
    case "logged-in":
      return `${style.green("✔")} ${status.displayName}: logged in as ${status.account?.name}${status.account?.email ? ` (${status.account.email})` : ""}; ${where}`;
    case "rejected": {
      // The provider's sentence, then what to do: for a DMSHARE_…_TOKEN, replace or unset it
      // (logging in changes nothing while it is set), as send says it.
      const whose =
        status.source === "env"
          ? `the token from ${status.location}`
          : `the stored credentials (${status.location})`;
      const problem = (status.problem ?? "").trim().replace(/\.$/, "");
      const next =
        status.hint ??
        (status.source === "env"
          ? `Replace ${status.location}, or unset it and run: dmshare login ${status.provider}`
          : `Log in again: dmshare login ${status.provider}`);
      return `${style.red("✖")} ${status.displayName}: ${whose} ${status.source === "env" ? "was" : "were"} rejected. ${problem}.\n  ${style.dim(next)}`;
    }
    case "logged-out":
      return `${style.dim("-")} ${status.displayName}: not logged in. Run: dmshare login ${status.provider}`;
  }
}

/**
 * Whether a prune timer is installed: the links whose expiry dmshare enforces (Dropbox Basic,
 * Google Drive) end on time only with one.
 */
export function expiryLine(
  { timer, timerHere, autoPrune }: DmshareExpiry,
  style: ChalkInstance,
): string {
  if (timer.kind !== null && !timerHere) {
    return `${style.yellow("!")} Expiry: ${describeTimer(timer)} prunes ${timer.configDir ? `another config folder (${timer.configDir})` : "a config folder it does not name"}, not this one. Run: dmshare prune --install`;
  }
  if (timer.kind !== null) {
    return `${style.green("✔")} Expiry: ${describeTimer(timer)} revokes links past the expiry dmshare enforces (dmshare prune --uninstall removes it)`;
  }
  const when = autoPrune
    ? "the next time dmshare runs"
    : "only when you run dmshare prune (auto-prune is off)";
  return `${style.dim("-")} Expiry: no prune timer installed; links past the expiry dmshare enforces are revoked ${when}. Run: dmshare prune --install`;
}

/** Links past the expiry dmshare enforces that still work (auto-prune failed, or is off). */
export function overdueLine(overdue: number, style: ChalkInstance): string {
  const one = overdue === 1;
  return `${style.yellow("!")} ${one ? "A link is" : `${overdue} links are`} past ${one ? "its" : "their"} expiry and still ${one ? "works" : "work"} (dmshare list --status overdue). Run: dmshare prune`;
}
