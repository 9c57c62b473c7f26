import type { Command, CommandUnknownOpts } from "@commander-js/extra-typings";
import { HELP_TOPICS } from "./render.ts";

export type Topic = keyof typeof HELP_TOPICS;
export const TOPICS = Object.keys(HELP_TOPICS) as Topic[];

/** `dmshare help [command…|topic]`: its argument, help and examples. */
export function helpCommand(program: Command) {
  return program
    .command("help")
    .summary("show help for a command, or a topic: environment, exit-codes")
    .description(
      "Show the help of a command (dmshare help send, dmshare help config set), or of a topic:\n" +
        TOPICS.map((topic) => `  ${topic.padEnd(12)} ${HELP_TOPICS[topic].summary}`).join("\n"),
    )
    .argument("[topic...]", `a command, or ${TOPICS.join(", ")}`)
    .addHelpText(
      "after",
      "\nExamples:\n  $ dmshare help send\n  $ dmshare help environment\n  $ dmshare help exit-codes",
    );
}

/** `dmshare version`. */
export function versionCommand(program: Command) {
  return program
    .command("version")
    .summary("print the version (as --version)")
    .description("Print the version of dmshare, as dmshare --version does.")
    .addHelpText("after", "\nExamples:\n  $ dmshare version\n  $ dmshare --version");
}

/** `dmshare config` for the config command. */
export function fullName(command: CommandUnknownOpts): string {
  const names: string[] = [];
  for (let at: CommandUnknownOpts | null = command; at; at = at.parent) names.unshift(at.name());
  return names.join(" ");
}
