import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import { type PsCommand, type PsValues, powershellScript } from "./powershell.ts";
import {
  type CommandSpec,
  isDynamic,
  type OptionSpec,
  type Shell,
  specOf,
  type Values,
  words,
} from "./spec.ts";

export { SHELLS, type Shell } from "./spec.ts";

/** The script for `shell`, made from the program's own commands and options. */
export function completionScript(program: CommandUnknownOpts, shell: Shell): string {
  const root = specOf(program);
  switch (shell) {
    case "bash":
      return bashScript(root);
    case "zsh":
      return zshScript(root);
    case "fish":
      return fishScript(root);
    case "powershell":
      return powershellScript(forPowershell(root));
  }
}

const allCommands = (root: CommandSpec) =>
  root.subcommands.flatMap((command) => [command, ...command.subcommands]);

const namesOf = (command: CommandSpec) => [command.name, ...command.aliases];

/** Single-quoted for sh-like shells. */
const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** A bash branch that offers `values` for the word being completed. */
function bashComplete(values: Values | null, indent: string): string {
  // Never file names where none are expected (complete -o default would offer them).
  const noFiles = `${indent}compopt +o default +o bashdefault 2>/dev/null`;
  if (isDynamic(values)) return `${noFiles}\n${indent}_dmshare_dynamic; return 0`;
  if (values?.kind === "words") {
    return `${noFiles}\n${indent}COMPREPLY=($(compgen -W ${quote(values.words.join(" "))} -- "$cur")); return 0`;
  }
  if (values?.kind === "files")
    return `${indent}compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); return 0`;
  return `${indent}return 0`;
}

/** The bash branch of one command: its option values, its flags, its arguments or subcommands. */
function bashCommandCase(command: CommandSpec, indent: string): string[] {
  const lines: string[] = [];
  const withValues = command.options.filter((option) => option.value);
  if (withValues.length > 0) {
    lines.push(`${indent}case "$prev" in`);
    for (const option of withValues) {
      lines.push(
        `${indent}  ${option.flags.join("|")})`,
        bashComplete(option.value, `${indent}    `),
        `${indent}    ;;`,
      );
    }
    lines.push(`${indent}esac`);
  }
  const flags = command.options.flatMap((option) => option.flags).filter((f) => f.startsWith("--"));
  lines.push(
    `${indent}if [[ "$cur" == -* ]]; then`,
    `${indent}  COMPREPLY=($(compgen -W ${quote(flags.join(" "))} -- "$cur")); return 0`,
    `${indent}fi`,
  );
  if (command.subcommands.length > 0) {
    lines.push(`${indent}case "$sub" in`);
    lines.push(
      `${indent}  "")`,
      bashComplete(words(command.subcommands.flatMap(namesOf)), `${indent}    `),
      `${indent}    ;;`,
    );
    for (const sub of command.subcommands) {
      lines.push(
        `${indent}  ${namesOf(sub).join("|")})`,
        bashComplete(sub.args, `${indent}    `),
        `${indent}    ;;`,
      );
    }
    lines.push(`${indent}esac`);
  } else {
    lines.push(bashComplete(command.args, indent));
  }
  return lines;
}

/**
 * Link ids and album names, from `dmshare __complete` (the ledger, read-only): the value of
 * each `value<TAB>description` line, quoted for the command line (album names have spaces).
 */
const BASH_DYNAMIC = [
  "_dmshare_dynamic() {",
  "  local line value",
  "  COMPREPLY=()",
  // Newest first, as dmshare list has them (bash 4.4+; older ones sort them).
  "  compopt -o nosort 2>/dev/null",
  "  while IFS= read -r line; do",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
  "    value=\"${line%%$'\\t'*}\"",
  '    [[ -n "$value" ]] || continue',
  "    printf -v value '%q' \"$value\"",
  '    COMPREPLY+=("$value")',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
  '  done < <("${COMP_WORDS[0]}" __complete -- "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)',
  "}",
];

function bashScript(root: CommandSpec): string {
  const valueFlags = new Set<string>();
  for (const command of [root, ...allCommands(root)]) {
    for (const option of command.options)
      if (option.value) for (const f of option.flags) valueFlags.add(f);
  }
  const lines = [
    "# dmshare completion for bash. Install: echo 'source <(dmshare completion bash)' >> ~/.bashrc",
    ...BASH_DYNAMIC,
    "_dmshare() {",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
    '  local cmd="" sub="" i word',
    // bash splits --expires=7d at "=" (COMP_WORDBREAKS): the option is the word before it.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
    '  [[ "$prev" == "=" && $COMP_CWORD -ge 2 ]] && prev="${COMP_WORDS[COMP_CWORD-2]}"',
    "  for ((i = 1; i < COMP_CWORD; i++)); do",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
    '    word="${COMP_WORDS[i]}"',
    '    case "$word" in',
    `      ${[...valueFlags].join("|")}) ((i++)) ;;`,
    "      -*) ;;",
    '      *) if [[ -z "$cmd" ]]; then cmd="$word"; elif [[ -z "$sub" ]]; then sub="$word"; fi ;;',
    "    esac",
    "  done",
    '  case "$cmd" in',
    '    "")',
    ...bashCommandCase(
      { ...root, subcommands: [], args: words(root.subcommands.flatMap(namesOf)) },
      "      ",
    ),
    "      ;;",
  ];
  for (const command of root.subcommands) {
    lines.push(
      `    ${namesOf(command).join("|")})`,
      ...bashCommandCase(command, "      "),
      "      ;;",
    );
  }
  lines.push("  esac", "}", "complete -o bashdefault -o default -F _dmshare dmshare", "");
  return lines.join("\n");
}

/**
 * Link ids and album names with their descriptions, from `dmshare __complete` (the ledger,
 * read-only), for _describe (a colon in a value is escaped: it separates the description).
 */
const ZSH_DYNAMIC = [
  "_dmshare_dynamic() {",
  "  local -a candidates",
  "  local line value description",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
  '  for line in "${(@f)$("$_dmshare_prog" __complete -- "${(@)_dmshare_words}" 2>/dev/null)}"; do',
  '    [[ -n "$line" ]] || continue',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
  "    value=${line%%$'\\t'*}",
  "    description=''",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
  "    [[ $line == *$'\\t'* ]] && description=${line#*$'\\t'}",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
  '    candidates+=("${value//:/\\:}${description:+:$description}")',
  "  done",
  "  _describe -V -t values 'value' candidates",
  "}",
];

function zshScript(root: CommandSpec): string {
  const zshEscape = (text: string) =>
    text.replace(/[[\]]/g, (c) => (c === "[" ? "(" : ")")).replace(/:/g, "\\:");
  const action = (values: Values | null) => {
    if (!values || values.kind === "text") return " ";
    if (values.kind === "files") return "_files";
    if (isDynamic(values)) return "_dmshare_dynamic";
    return `(${values.words.join(" ")})`;
  };
  const optionLines = (command: CommandSpec) =>
    command.options.map((option) => {
      const description = zshEscape(option.description);
      const value = option.value ? `:value:${action(option.value)}` : "";
      const [only] = option.flags;
      if (option.flags.length === 1) return `      ${quote(`${only}[${description}]${value}`)} \\`;
      const exclusive = quote(`(${option.flags.join(" ")})`);
      return `      ${exclusive}{${option.flags.join(",")}}${quote(`[${description}]${value}`)} \\`;
    });
  const described = (commands: CommandSpec[]) =>
    commands
      .flatMap((command) =>
        namesOf(command).map((name) => quote(`${name}:${zshEscape(command.description)}`)),
      )
      .join(" ");
  const argsLine = (values: Values | null) =>
    values ? `      ${quote(`*:argument:${action(values)}`)}` : "      && return 0";
  const lines = [
    "#compdef dmshare",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
    '# dmshare completion for zsh. Install: dmshare completion zsh > "${fpath[1]}/_dmshare"',
    ...ZSH_DYNAMIC,
    "_dmshare() {",
    "  local -a commands",
    // What _dmshare_dynamic passes to `dmshare __complete`: the words before any shift.
    "  local _dmshare_prog=$words[1]",
    "  local -a _dmshare_words",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
    '  _dmshare_words=("${(@)words[2,CURRENT]}")',
    `  commands=(${described(root.subcommands)})`,
    "  if (( CURRENT == 2 )); then",
    '    if [[ "$PREFIX" == -* ]]; then',
    `      _arguments ${root.options.map((option) => quote(`(${option.flags.join(" ")})${option.flags.at(-1)}[${zshEscape(option.description)}]`)).join(" ")}`,
    "    else",
    "      _describe 'command' commands",
    "    fi",
    "    return",
    "  fi",
    "  shift words; (( CURRENT-- ))",
    '  case "$words[1]" in',
  ];
  for (const command of root.subcommands) {
    lines.push(`    ${namesOf(command).join("|")})`);
    if (command.subcommands.length > 0) {
      lines.push(
        "      local -a subcommands",
        `      subcommands=(${described(command.subcommands)})`,
        "      if (( CURRENT == 2 )); then _describe 'command' subcommands; return; fi",
        '      case "$words[2]" in',
      );
      for (const sub of command.subcommands) {
        lines.push(
          `        ${namesOf(sub).join("|")}) _arguments -S ${sub.args ? quote(`*:argument:${action(sub.args)}`) : ""} ;;`,
        );
      }
      lines.push("      esac", "      ;;");
      continue;
    }
    lines.push(
      "      _arguments -S \\",
      ...optionLines(command),
      argsLine(command.args),
      "      ;;",
    );
  }
  lines.push("  esac", "}", "compdef _dmshare dmshare", "");
  return lines.join("\n");
}

/**
 * Link ids and album names with their descriptions (fish reads `value<TAB>description`
 * lines as they are), from `dmshare __complete` (the ledger, read-only).
 */
const FISH_DYNAMIC = [
  "function __dmshare_dynamic",
  "    set -l words (commandline -opc)",
  "    $words[1] __complete -- $words[2..-1] (commandline -ct) 2>/dev/null",
  "end",
];

function fishScript(root: CommandSpec): string {
  const lines = [
    "# dmshare completion for fish. Install: dmshare completion fish > ~/.config/fish/completions/dmshare.fish",
    ...FISH_DYNAMIC,
    "complete -c dmshare -e",
    "complete -c dmshare -f",
    ...root.options.map(
      (option) => `complete -c dmshare -n __fish_use_subcommand ${fishFlags(option)}`,
    ),
  ];
  for (const command of root.subcommands) {
    lines.push(
      `complete -c dmshare -n __fish_use_subcommand -a ${quote(command.name)} -d ${quote(command.description)}`,
    );
  }
  for (const command of root.subcommands) {
    const seen = `__fish_seen_subcommand_from ${namesOf(command).join(" ")}`;
    for (const option of command.options)
      lines.push(`complete -c dmshare -n ${quote(seen)} ${fishFlags(option)}`);
    if (command.subcommands.length > 0) {
      const subNames = command.subcommands.flatMap(namesOf).join(" ");
      for (const sub of command.subcommands) {
        lines.push(
          `complete -c dmshare -n ${quote(`${seen}; and not __fish_seen_subcommand_from ${subNames}`)} -a ${quote(sub.name)} -d ${quote(sub.description)}`,
        );
        if (sub.args?.kind === "words") {
          lines.push(
            `complete -c dmshare -n ${quote(`${seen}; and __fish_seen_subcommand_from ${namesOf(sub).join(" ")}`)} -a ${quote(sub.args.words.join(" "))}`,
          );
        }
      }
    } else if (command.args?.kind === "words") {
      lines.push(`complete -c dmshare -n ${quote(seen)} -a ${quote(command.args.words.join(" "))}`);
    } else if (isDynamic(command.args)) {
      lines.push(`complete -c dmshare -n ${quote(seen)} -k -a '(__dmshare_dynamic)'`);
    } else if (command.args?.kind === "files") {
      lines.push(`complete -c dmshare -n ${quote(seen)} -F`);
    }
  }
  lines.push("");
  return lines.join("\n");
}

function fishFlags(option: OptionSpec): string {
  const parts: string[] = [];
  for (const flag of option.flags) {
    if (flag.startsWith("--")) parts.push(`-l ${flag.slice(2)}`);
    else parts.push(`-s ${flag.slice(1)}`);
  }
  if (option.value?.kind === "words") parts.push(`-x -a ${quote(option.value.words.join(" "))}`);
  else if (isDynamic(option.value)) parts.push("-k -x -a '(__dmshare_dynamic)'");
  else if (option.value?.kind === "files") parts.push("-r -F");
  else if (option.value) parts.push("-x");
  parts.push(`-d ${quote(option.description)}`);
  return parts.join(" ");
}

/** PowerShell completes no link ids or album names yet: those words are free text there. */
function forPowershell(command: CommandSpec): PsCommand {
  const plain = (values: Values | null): PsValues | null =>
    isDynamic(values) ? { kind: "text" } : values;
  return {
    name: command.name,
    aliases: command.aliases,
    description: command.description,
    options: command.options.map((option) => ({ ...option, value: plain(option.value) })),
    args: plain(command.args),
    subcommands: command.subcommands.map(forPowershell),
  };
}
