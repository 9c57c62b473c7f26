import type { Command, OptionValues } from "@commander-js/extra-typings";

/** `dmshare revoke`: its arguments, options, help and examples. */
export function revokeCommand(program: Command) {
  const revoke = program
    .command("revoke")
    .summary("stop links from working")
    .description(
      "Stop links from working. Name them by id (or its first 4+ characters) or by URL, or " +
        "select them with --expired, --older-than, --album or --all. Revoking a link that is " +
        "already revoked succeeds and says so. More than one link needs a confirmation: a " +
        "question on a terminal, --yes elsewhere (except --expired alone: those links reached " +
        "the expiry you gave them).",
    )
    .argument("[links...]", "link ids or URLs, as dmshare list shows them")
    .option("--expired", "every link whose expiry has passed")
    .option("--older-than <duration>", "every link made longer ago than 30m, 12h, 7d, 2w …")
    .option("--album", "only album links (alone: every album link that still works)")
    .option("--all", "every link that still works");
  return withOutcomeOptions(revoke).addHelpText(
    "after",
    `
Examples:
  $ dmshare revoke k3x9m2qa
  $ dmshare revoke 'https://www.dropbox.com/scl/fi/…/beach.jpg?rlkey=…&dl=0'
    (quote URLs: an unquoted shell cuts them at "&")
  $ dmshare revoke k3x9 7hw2 --delete-files --yes
  $ dmshare revoke --older-than 30d --dry-run
  $ dmshare revoke --all --album`,
  );
}

export type RevokeOptions = ReturnType<ReturnType<typeof revokeCommand>["opts"]>;

/** What revoke and prune both offer: what else to do, and how to say what was done. */
export function withOutcomeOptions<
  Args extends unknown[],
  Opts extends OptionValues,
  Globals extends OptionValues,
>(command: Command<Args, Opts, Globals>) {
  return command
    .option("--delete-files", "also delete the uploaded files from the provider")
    .option("--dry-run", "show what would be revoked, do nothing")
    .option("-y, --yes", "do not ask for confirmation")
    .option("--json", "print the result as a JSON array");
}
