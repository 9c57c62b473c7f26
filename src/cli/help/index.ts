import type { Command, CommandUnknownOpts } from "@commander-js/extra-typings";
import { usageError } from "../../lib/errors.ts";
import { didYouMean } from "../../lib/suggest.ts";
import { type CommandRegistrar, subcommandNamed } from "../run.ts";
import { VERSION } from "../version.ts";
import { fullName, helpCommand, TOPICS, type Topic, versionCommand } from "./command.ts";
import { HELP_TOPICS } from "./render.ts";

const isTopic = (name: string): name is Topic => Object.hasOwn(HELP_TOPICS, name);

/**
 * `dmshare help [command…|topic]` in place of commander's own (which answers `help sned` with
 * the whole help and exit 2, naming nothing), and `dmshare version`.
 */
export const register: CommandRegistrar = (program, run) => {
  program.helpCommand(false);
  helpCommand(program).action((words) => {
    const [first] = words;
    if (first !== undefined && isTopic(first) && words.length === 1) {
      const { stdout } = run.ctx;
      run.output.result(HELP_TOPICS[first].text((stdout.isTTY ? stdout.columns : 0) || 80));
      return;
    }
    commandFor(program, words).outputHelp();
  });
  versionCommand(program).action(() => run.output.result(VERSION));
  // `dmshare config help sett` as `dmshare help config sett`: named, with did-you-mean.
  for (const parent of program.commands) {
    if (parent.commands.length === 0) continue;
    parent.helpCommand(false);
    parent
      .command("help")
      .summary("show help for a command")
      .argument("[command...]")
      .action((words) => commandFor(parent, words).outputHelp());
  }
};

/** The command `words` name (`config set`), or a usage error naming the word that isn't one. */
function commandFor(
  from: Command | CommandUnknownOpts,
  words: readonly string[],
): CommandUnknownOpts {
  let command = from as CommandUnknownOpts;
  for (const word of words) {
    const next = subcommandNamed(command, word);
    if (!next) throw unknownTopic(command, word);
    command = next;
  }
  return command;
}

function unknownTopic(command: CommandUnknownOpts, word: string) {
  const top = command.parent === null;
  const names = command.commands.map((sub) => sub.name());
  const candidates = top ? [...names, ...TOPICS] : names;
  const path = fullName(command);
  return usageError(
    `Unknown command '${word}'${top ? "" : ` of ${path}`}.`,
    `${didYouMean(word, candidates)}${
      top
        ? `Run ${path} --help for the commands; the topics are ${TOPICS.join(", ")}.`
        : `Run ${path} --help for its commands.`
    }`,
  );
}
