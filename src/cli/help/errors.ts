import type { CommanderError, CommandUnknownOpts } from "@commander-js/extra-typings";
import { type DmshareError, usageError } from "../../lib/errors.ts";
import { commandReached } from "../run.ts";
import { fullName } from "./command.ts";

/**
 * A usage error commander found (unknown command or option, missing or extra argument), said
 * as dmshare says its own: `✖ message` and a hint line, on stderr, exit 2; with the usage of
 * the command it was about where that helps (as gh prints after an unknown flag).
 */
export interface CommanderFailure {
  error: DmshareError;
  /** The command's usage and options, to print after the error. */
  usage: string | undefined;
}

/** The codes of errors after which the command's usage is shown. */
const SHOWS_USAGE = new Set([
  "commander.unknownOption",
  "commander.missingArgument",
  "commander.optionMissingArgument",
  "commander.missingMandatoryOptionValue",
  "commander.excessArguments",
  "commander.invalidArgument",
  "commander.conflictingOption",
]);

/**
 * What to print for commander's `error` (the program never lets commander print an error
 * itself: its `outputError` is silent). `program.args` tells the command it got to.
 */
export function commanderFailure(
  program: CommandUnknownOpts,
  error: CommanderError,
  width: number,
): CommanderFailure {
  const command = commandReached(program);
  const name = fullName(command);
  // "error: unknown option '--bogus'\n(Did you mean --bugs?)"
  const [first = "", ...rest] = error.message.replace(/^error: /, "").split("\n");
  const suggestion = rest
    .map((line) => line.replace(/^\((.*)\)$/, "$1"))
    .join(" ")
    .trim();
  const message = sentence(first);
  const more = suggestion ? `${suggestion} ` : "";
  if (error.code === "commander.help") {
    // A command that needs a subcommand got none (`dmshare config`).
    const commands = command.commands.map((sub) => sub.name()).filter((sub) => sub !== "help");
    return {
      error: usageError(
        `${name} needs a command: ${commands.join(", ")}.`,
        `Run ${name} --help for its commands and examples.`,
      ),
      usage: usageOf(command, width),
    };
  }
  if (error.code === "commander.unknownCommand") {
    return {
      error: usageError(
        message,
        `${more}Run ${name} --help for ${command.parent ? "its" : "the"} commands.`,
      ),
      usage: undefined,
    };
  }
  const showUsage = SHOWS_USAGE.has(error.code);
  return {
    error: usageError(
      message,
      `${more}Run ${name} --help for ${showUsage ? "the options and examples" : "usage"}.`,
    ),
    usage: showUsage ? usageOf(command, width) : undefined,
  };
}

/** The command's help without its description and examples: usage, arguments, options. */
function usageOf(command: CommandUnknownOpts, width: number): string {
  const helper = command.createHelp();
  helper.prepareContext({ helpWidth: width });
  helper.commandDescription = () => "";
  return helper.formatHelp(command, helper).trimEnd();
}

/** "unknown option '--x'" → "Unknown option '--x'." */
function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
