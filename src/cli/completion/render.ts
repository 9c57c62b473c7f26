import type { Argument, CommandUnknownOpts, Option } from "@commander-js/extra-typings";
import { presetNames } from "../../core/message.ts";
import { providerNames } from "../../providers/catalog.ts";
import { SETTINGS } from "../../store/config.ts";
import { powershellScript } from "./powershell.ts";

export const SHELLS = ["bash", "zsh", "fish", "powershell"] as const;
export type Shell = (typeof SHELLS)[number];

/** What a word can be completed with. */
type Values = { kind: "words"; words: string[] } | { kind: "files" } | { kind: "text" };

interface OptionSpec {
  flags: string[];
  description: string;
  /** Null for a flag that takes no value. */
  value: Values | null;
}

interface CommandSpec {
  name: string;
  aliases: string[];
  description: string;
  options: OptionSpec[];
  /** What the positional arguments are. */
  args: Values | null;
  subcommands: CommandSpec[];
}

const words = (list: readonly string[]): Values => ({ kind: "words", words: [...list] });

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
      return words(["pending", "active", "needs-sharing", "expired", "overdue", "revoked"]);
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

function argumentValues(args: readonly Argument[]): Values | null {
  const [first] = args;
  return first ? valuesNamed(first.name(), first.argChoices) : null;
}

function specOf(command: CommandUnknownOpts): CommandSpec {
  return {
    name: command.name(),
    aliases: command.aliases(),
    description: command.summary() || command.description().split("\n")[0] || "",
    options: [
      ...command.options.filter((option) => !option.hidden).map(optionSpec),
      { flags: ["-h", "--help"], description: "show help", value: null },
    ],
    args: argumentValues(command.registeredArguments),
    subcommands: command.commands.map(specOf),
  };
}

/** The script for `shell`, made from the program's own commands and options. */
export function completionScript(program: CommandUnknownOpts, shell: Shell): string {
  const root = specOf(program);
  root.subcommands = root.subcommands.filter((command) => command.name !== "help");
  switch (shell) {
    case "bash":
      return bashScript(root);
    case "zsh":
      return zshScript(root);
    case "fish":
      return fishScript(root);
    case "powershell":
      return powershellScript(root);
  }
}

const allCommands = (root: CommandSpec) =>
  root.subcommands.flatMap((command) => [command, ...command.subcommands]);

const namesOf = (command: CommandSpec) => [command.name, ...command.aliases];

/** Single-quoted for sh-like shells. */
const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** A bash branch that offers `values` for the word being completed. */
function bashComplete(values: Values | null, indent: string): string {
  if (values?.kind === "words") {
    return `${indent}COMPREPLY=($(compgen -W ${quote(values.words.join(" "))} -- "$cur")); return 0`;
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

function bashScript(root: CommandSpec): string {
  const valueFlags = new Set<string>();
  for (const command of [root, ...allCommands(root)]) {
    for (const option of command.options)
      if (option.value) for (const f of option.flags) valueFlags.add(f);
  }
  const lines = [
    "# dmshare completion for bash. Install: echo 'source <(dmshare completion bash)' >> ~/.bashrc",
    "_dmshare() {",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
    '  local cmd="" sub="" i word',
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

function zshScript(root: CommandSpec): string {
  const zshEscape = (text: string) =>
    text.replace(/[[\]]/g, (c) => (c === "[" ? "(" : ")")).replace(/:/g, "\\:");
  const action = (values: Values | null) => {
    if (!values || values.kind === "text") return " ";
    if (values.kind === "files") return "_files";
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
    "_dmshare() {",
    "  local -a commands",
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

function fishScript(root: CommandSpec): string {
  const lines = [
    "# dmshare completion for fish. Install: dmshare completion fish > ~/.config/fish/completions/dmshare.fish",
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
  else if (option.value?.kind === "files") parts.push("-r -F");
  else if (option.value) parts.push("-x");
  parts.push(`-d ${quote(option.description)}`);
  return parts.join(" ");
}
