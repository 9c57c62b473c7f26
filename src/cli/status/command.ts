import type { Command } from "@commander-js/extra-typings";

/** `dmshare status`: its options, help and examples. */
export function statusCommand(program: Command) {
  return program
    .command("status")
    .summary("show which accounts dmshare can use")
    .description(
      "Show, for each provider, whether dmshare is logged in and as whom (asking the provider), " +
        "where the credentials come from (the keychain, the credentials file or a DMSHARE_…_TOKEN " +
        "variable), whether a prune timer ends the links whose expiry dmshare enforces, and how " +
        "many links are past their expiry. Exit 3 when a provider rejects the credentials.",
    )
    .option("--json", "print the status as a JSON array")
    .addHelpText("after", "\nExamples:\n  $ dmshare status\n  $ dmshare status --json");
}

export type StatusOptions = ReturnType<ReturnType<typeof statusCommand>["opts"]>;
