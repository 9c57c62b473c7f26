import { type Command, Option } from "@commander-js/extra-typings";

/** `dmshare list` (`ls`): its options, help and examples. */
export function listCommand(program: Command) {
  return program
    .command("list")
    .alias("ls")
    .summary("show the links dmshare made")
    .description(
      "Show the links dmshare made, newest first. Revoked links only with --all or --status.\n\n" +
        "At a terminal: a table that fits its width (NAME and URL are cut with …; --wide shows " +
        "every cell in full). Piped: one tab-separated line per link, times in RFC 3339 UTC " +
        "(2026-12-06T10:00:00Z), EXPIRES empty when the link never expires; the column titles " +
        "only with --header.",
    )
    .option(
      "--json [fields]",
      "print the links as a JSON array; with fields (comma-separated: id,url,name …) only those",
    )
    .option("-a, --all", "include revoked links")
    .option("--provider <name>", "only links of this provider")
    .option(
      "--status <status>",
      "only links with this status: pending, active, needs-sharing, expired, overdue (past " +
        "its expiry, still working until dmshare revokes it), revoked",
    )
    .option("--since <when>", "only links made in the last 30m, 12h, 7d … or since a date")
    .option("--wide", "at a terminal, every column and every cell in full (alias: --no-trunc)")
    .addOption(new Option("--no-trunc", "the same as --wide (as gh and docker have it)").hideHelp())
    .option("--header", "when piped, print the column titles first")
    .addHelpText(
      "after",
      `
JSON fields: id, provider, kind, name, url, ownerUrl, message, files, createdAt,
  expiresAt, expiryEnforcedBy, revokedAt, status

Examples:
  $ dmshare list
  $ dmshare list --all --provider dropbox
  $ dmshare list --since 7d --status expired
  $ dmshare list | cut -f1,8
  $ dmshare list --json id,name,url
  $ dmshare list --json | jq -r '.[] | select(.status == "active") | .url'`,
    );
}

export type ListOptions = ReturnType<ReturnType<typeof listCommand>["opts"]>;
