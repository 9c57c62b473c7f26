import type { Command } from "@commander-js/extra-typings";

/** `dmshare export`: its help and examples. */
export function exportCommand(program: Command) {
  return program
    .command("export")
    .summary("print the whole ledger as JSON")
    .description(
      "Print every ledger entry as one JSON document on stdout: a backup, or to move dmshare's record of links to another machine (dmshare import reads it).",
    )
    .addHelpText(
      "after",
      `
Examples:
  $ dmshare export > dmshare-links.json
  $ dmshare export | jq '.entries | length'`,
    );
}

/** `dmshare import FILE|-`: its argument, options, help and examples. */
export function importCommand(program: Command) {
  return program
    .command("import")
    .summary("add the links of an exported ledger")
    .description(
      "Add the entries of a file made by dmshare export (or the ledger.json of an older dmshare) that the ledger does not have yet. Entries already there stay as they are. Every entry is checked first: if one is not a link record dmshare knows, nothing is imported.",
    )
    .argument("<file>", "the file to read, or - for standard input")
    .option("--json", "print what was imported as JSON")
    .addHelpText(
      "after",
      `
Examples:
  $ dmshare import dmshare-links.json
  $ ssh old-laptop dmshare export | dmshare import -`,
    );
}
