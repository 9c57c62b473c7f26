import type { Command } from "@commander-js/extra-typings";

/** `dmshare list` (`ls`): its options, help and examples. */
export function listCommand(program: Command) {
  return program
    .command("list")
    .alias("ls")
    .summary("show the links dmshare made")
    .description(
      "Show the links dmshare made, newest first. Revoked links only with --all or --status.",
    )
    .option("--json", "print the links as a JSON array")
    .option("-a, --all", "include revoked links")
    .option("--provider <name>", "only links of this provider")
    .option(
      "--status <status>",
      "only links with this status: pending, active, needs-sharing, expired, overdue (past " +
        "its expiry, still working until dmshare revokes it), revoked",
    )
    .option("--since <when>", "only links made in the last 30m, 12h, 7d … or since a date")
    .addHelpText(
      "after",
      `
Examples:
  $ dmshare list
  $ dmshare list --all --provider dropbox
  $ dmshare list --since 7d --status expired
  $ dmshare list --json | jq -r '.[] | select(.status == "active") | .url'`,
    );
}

export type ListOptions = ReturnType<ReturnType<typeof listCommand>["opts"]>;
