import type { Command } from "@commander-js/extra-typings";
import { withOutcomeOptions } from "../revoke/command.ts";

/** `dmshare prune` (`revoke --expired`, and the hourly timer): options, help, examples. */
export function pruneCommand(program: Command) {
  const prune = program
    .command("prune")
    .summary("revoke the links whose expiry has passed (revoke --expired)")
    .description(
      "Revoke every link whose expiry has passed: the same as dmshare revoke --expired. Where " +
        "the provider or plan has no link expiry (Dropbox Basic, Google Drive) dmshare revokes " +
        "the link itself: every dmshare command does this first (dmshare config set auto-prune " +
        "off stops that), and --install sets up an hourly timer so it happens on time even " +
        "when you don't use dmshare. It asks nothing, since you chose these expiries when " +
        "sending (--yes is accepted for scripts), except with --delete-files.",
    )
    .option(
      "--install",
      "run dmshare prune --yes every hour: a systemd user timer (else crontab), a launchd agent on macOS, a scheduled task on Windows",
    )
    .option("--uninstall", "remove that timer");
  return withOutcomeOptions(prune).addHelpText(
    "after",
    `
Examples:
  $ dmshare prune
  $ dmshare prune --dry-run --json
  $ dmshare prune --install
  $ dmshare prune --uninstall`,
  );
}

export type PruneOptions = ReturnType<ReturnType<typeof pruneCommand>["opts"]>;
