import type { Command } from "@commander-js/extra-typings";
import { SETTINGS } from "../../store/config.ts";

const KEYS = Object.keys(SETTINGS).join(" | ");

/** `dmshare config` and its subcommands (get, set, unset, list): help and examples. */
export function configCommands(program: Command) {
  const config = program
    .command("config")
    .summary("read and change settings")
    .description(
      `Settings:\n${Object.entries(SETTINGS)
        .map(([key, spec]) => `  ${key.padEnd(10)} ${spec.description}`)
        .join("\n")}`,
    )
    .addHelpText(
      "after",
      `
Examples:
  $ dmshare config set provider dropbox
  $ dmshare config set message "Look at this: {url}"
  $ dmshare config set preset friendly
  $ dmshare config get provider
  $ dmshare config list`,
    );
  return {
    get: config.command("get").summary("print a setting").argument("<key>", KEYS),
    set: config
      .command("set")
      .summary("change a setting")
      .argument("<key>", KEYS)
      .argument("<value>"),
    unset: config
      .command("unset")
      .summary("go back to a setting's default")
      .argument("<key>", KEYS),
    list: config
      .command("list")
      .summary("print every setting that is set")
      .option("--json", "print the settings as a JSON object"),
  };
}
