import type { Argument, CommandUnknownOpts, Option } from "@commander-js/extra-typings";
import { DURATION_EXAMPLES } from "../../core/duration.ts";
import { LINK_STATUSES } from "../../core/links.ts";
import { presetNames } from "../../core/message.ts";
import { providerNames } from "../../providers/catalog.ts";
import { SETTINGS } from "../../store/config.ts";

export const SHELLS = ["bash", "zsh", "fish", "powershell"] as const;
export type Shell = (typeof SHELLS)[number];

/**
 * What a word can be completed with: a fixed list, file names, free text, or what only the
 * ledger knows (`links`: the ids of links that still work; `albums`: album names), which the
 * scripts ask `dmshare __complete` for as the word is completed.
 */
export type Values =
  | { kind: "words"; words: string[] }
  | { kind: "files" }
  | { kind: "text" }
  | { kind: "links" }
  | { kind: "albums" };

export type DynamicKind = "links" | "albums";

export const isDynamic = (values: Values | null): values is { kind: DynamicKind } =>
  values?.kind === "links" || values?.kind === "albums";

export interface OptionSpec {
  flags: string[];
  description: string;
  /** Null for a flag that takes no value. */
  value: Values | null;
}

/** A positional argument: what it takes, and whether it takes every word from there on. */
export interface PositionalSpec {
  values: Values;
  variadic: boolean;
}

export interface CommandSpec {
  name: string;
  aliases: string[];
  description: string;
  options: OptionSpec[];
  /** What the positional arguments are (the first one's values, for the scripts). */
  args: Values | null;
  /** Every positional argument in order, for `dmshare __complete`. */
  positionals: PositionalSpec[];
  subcommands: CommandSpec[];
}

export const words = (list: readonly string[]): Values => ({ kind: "words", words: [...list] });

/** Values a named argument or option takes, by its name. */
function valuesNamed(name: string, choices: readonly string[] | undefined): Values {
  if (choices?.length) return words(choices);
  switch (name) {
    case "provider":
    case "via":
      return words(providerNames());
    case "preset":
      return words(presetNames());
    case "convert":
      return words(["jpeg"]);
    case "shell":
      return words(SHELLS);
    case "key":
      return words(Object.keys(SETTINGS));
    case "status":
      return words(LINK_STATUSES);
    case "expires":
    case "olderThan":
    case "since":
      return words(DURATION_EXAMPLES);
    case "links":
      return { kind: "links" };
    case "album":
      return { kind: "albums" };
    case "files":
    case "file":
    case "credentials":
      return { kind: "files" };
    default:
      return { kind: "text" };
  }
}

function optionSpec(option: Option): OptionSpec {
  const takesValue = option.required || option.optional;
  return {
    flags: [option.short, option.long].filter((flag): flag is string => Boolean(flag)),
    description: option.description,
    value: takesValue ? valuesNamed(option.attributeName(), option.argChoices) : null,
  };
}

function positionalSpec(argument: Argument): PositionalSpec {
  return {
    values: valuesNamed(argument.name(), argument.argChoices),
    variadic: argument.variadic,
  };
}

/** The command tree as completion sees it: hidden commands and options left out, no `help`. */
export function specOf(command: CommandUnknownOpts): CommandSpec {
  const visible = command.createHelp().visibleCommands(command);
  const positionals = command.registeredArguments.map(positionalSpec);
  return {
    name: command.name(),
    aliases: command.aliases(),
    description: command.summary() || command.description().split("\n")[0] || "",
    options: [
      ...command.options.filter((option) => !option.hidden).map(optionSpec),
      { flags: ["-h", "--help"], description: "show help", value: null },
    ],
    args: positionals[0]?.values ?? null,
    positionals,
    subcommands: command.commands
      .filter((sub) => sub.name() !== "help" && visible.includes(sub))
      .map(specOf),
  };
}
