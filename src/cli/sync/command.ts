import type { Command } from "@commander-js/extra-typings";

/** `dmshare sync`: its options, help and examples. */
export function syncCommand(program: Command) {
  return program
    .command("sync")
    .summary("reconcile the list of links with what the provider has")
    .description(
      "Compare dmshare's list of links with what each logged-in provider reports, and fix the " +
        "list: links revoked or deleted at the provider become revoked; links a send left " +
        "pending are completed when the link exists, or cleaned up (the uploaded files deleted) " +
        "when it doesn't; links in dmshare's folder that the list forgot (a crash, a ledger " +
        "restored from a backup) are added. Prints what changed.",
    )
    .option("--provider <name>", "only this provider (default: every one logged in)")
    .option("--dry-run", "show what would change, change nothing")
    .option("--json", "print the changes as a JSON array")
    .addHelpText(
      "after",
      `
Examples:
  $ dmshare sync
  $ dmshare sync --provider dropbox --dry-run
  $ dmshare sync --json | jq -r '.[] | "\\(.change) \\(.id)"'`,
    );
}

export type SyncOptions = ReturnType<ReturnType<typeof syncCommand>["opts"]>;
