import type { Command } from "@commander-js/extra-typings";
import { SHELLS } from "./render.ts";

/** `dmshare completion`: its argument, help (how to install) and examples. */
export function completionCommand(program: Command) {
  return program
    .command("completion")
    .summary("print a shell completion script")
    .description(
      "Print a script that completes dmshare's commands, options, providers, presets, " +
        "durations and file names in your shell, and from your ledger the ids of links that " +
        "still work (after revoke) and album names (after --album). It is made from the " +
        "commands themselves, so it matches this version.",
    )
    .argument("<shell>", SHELLS.join(", "))
    .addHelpText(
      "after",
      `
Install:
  bash  echo 'source <(dmshare completion bash)' >> ~/.bashrc
  zsh   dmshare completion zsh > "\${fpath[1]}/_dmshare"   (then start a new shell)
  fish  dmshare completion fish > ~/.config/fish/completions/dmshare.fish
  powershell  dmshare completion powershell >> $PROFILE   (then start a new PowerShell)

Examples:
  $ dmshare completion bash
  $ source <(dmshare completion bash)
  $ dmshare completion fish > ~/.config/fish/completions/dmshare.fish`,
    );
}

/**
 * `dmshare __complete -- <words…>` (hidden): the candidates for the last word, one a line,
 * `value<TAB>description`, for the scripts `dmshare completion` prints. The words after `--`
 * are the command line after `dmshare`, so none of them is read as an option here.
 */
export function completeCommand(program: Command) {
  return program
    .command("__complete", { hidden: true })
    .description("print completion candidates for the words of a command line")
    .argument("[words...]", "the command line after dmshare; the last word is being completed")
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText(
      "after",
      `
Examples:
  $ dmshare __complete -- revoke ''
  $ dmshare __complete -- send --album Li`,
    );
}
