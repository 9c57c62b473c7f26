import type { Command } from "@commander-js/extra-typings";
import { providerNames } from "../../providers/catalog.ts";
import { SETTINGS } from "../../store/config.ts";
import { wrapWords } from "../help/render.ts";

const KEYS = Object.keys(SETTINGS).join(" | ");

const examples = (...lines: string[]) =>
  `\nExamples:\n${lines.map((line) => `  $ dmshare ${line}`).join("\n")}`;

/** Each setting and what it does, wrapped at `width` under its own column (commander would
 * wrap the later lines at column 0). */
function settingsHelp(width: number): string {
  const lines = Object.entries(SETTINGS).map(([key, spec]) => {
    const text =
      key === "provider" ? `${spec.description} (${providerNames().join(", ")})` : spec.description;
    return `  ${key.padEnd(10)} ${wrapWords(text, width, 13).trimStart()}`;
  });
  return `Settings:\n${lines.join("\n")}`;
}

/** `dmshare config` and its subcommands (get, set, unset, list): help and examples. */
export function configCommands(program: Command) {
  const config = program
    .command("config")
    .summary("read and change settings")
    .description(settingsHelp(program.configureOutput().getOutHelpWidth?.() ?? 80))
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
    get: config
      .command("get")
      .summary("print a setting")
      .description("Print the value a setting has in the config file (nothing when it is not set).")
      .argument("<key>", KEYS)
      .addHelpText("after", examples("config get provider", "config get preset")),
    set: config
      .command("set")
      .summary("change a setting")
      .description(
        "Save a setting in the config file. message and preset both word the message: setting one unsets the other.",
      )
      .argument("<key>", KEYS)
      .argument("<value>", "the new value (see dmshare config --help)")
      .addHelpText(
        "after",
        examples("config set provider gdrive", 'config set message "Look: {url}"'),
      ),
    unset: config
      .command("unset")
      .summary("go back to a setting's default")
      .description("Remove a setting from the config file: its default applies again.")
      .argument("<key>", KEYS)
      .addHelpText("after", examples("config unset preset")),
    list: config
      .command("list")
      .summary("print every setting, its value and where it comes from")
      .description(
        "Print every setting with the value in effect and where it comes from: the config " +
          "file, or dmshare's default (and what it does). --json prints what the config file holds.",
      )
      .option("--json", "print the settings as a JSON object")
      .addHelpText("after", examples("config list", "config list --json")),
  };
}
