import type { Command } from "@commander-js/extra-typings";

/** `dmshare status`: its options, help and examples. */
export function statusCommand(program: Command) {
  return program
    .command("status")
    .summary("show which accounts dmshare can use")
    .option("--json", "print the status as a JSON array")
    .addHelpText("after", "\nExamples:\n  $ dmshare status\n  $ dmshare status --json");
}

export type StatusOptions = ReturnType<ReturnType<typeof statusCommand>["opts"]>;
