import type { Candidate } from "../../core/complete.ts";
import type { CommandSpec, DynamicKind, OptionSpec, Values } from "./spec.ts";

/** What the ledger offers for a dynamic kind (link ids, album names); [] when unreadable. */
export type DynamicSource = (kind: DynamicKind) => Promise<Candidate[]>;

/** Where the word being completed stands, after reading the words before it. */
interface Position {
  command: CommandSpec;
  /** The option whose value is being typed, if any. */
  pendingOption: OptionSpec | null;
  positionals: string[];
  /** After `--`: everything is an argument. */
  operandsOnly: boolean;
}

const namesOf = (command: CommandSpec) => [command.name, ...command.aliases];

/** The option `flag` names on `command`, else among the program's own (global) options. */
function optionNamed(root: CommandSpec, command: CommandSpec, flag: string): OptionSpec | null {
  const has = (spec: CommandSpec) => spec.options.find((option) => option.flags.includes(flag));
  return has(command) ?? has(root) ?? null;
}

/** Reads `before` (the words typed before the one being completed) as commander would. */
function positionOf(root: CommandSpec, before: readonly string[]): Position {
  const position: Position = {
    command: root,
    pendingOption: null,
    positionals: [],
    operandsOnly: false,
  };
  for (const word of before) {
    if (position.pendingOption && word === "=") {
      // bash splits --album=Lisbon at "=" (COMP_WORDBREAKS): the value is the word after it.
    } else if (position.pendingOption) {
      position.pendingOption = null;
    } else if (!position.operandsOnly && word === "--") {
      position.operandsOnly = true;
    } else if (!position.operandsOnly && word.startsWith("-") && word !== "-") {
      const option = word.includes("=") ? null : optionNamed(root, position.command, word);
      if (option?.value) position.pendingOption = option;
    } else {
      const sub =
        position.positionals.length === 0 &&
        position.command.subcommands.find((command) => namesOf(command).includes(word));
      if (sub) position.command = sub;
      else position.positionals.push(word);
    }
  }
  return position;
}

/** What the n-th positional argument of `command` takes (a variadic last one takes the rest). */
function positionalValues(command: CommandSpec, index: number): Values | null {
  const { positionals } = command;
  const last = positionals.at(-1);
  if (index < positionals.length) return positionals[index]?.values ?? null;
  return last?.variadic ? last.values : null;
}

/** The candidates of `values` that start with `prefix`, less those in `typed`. */
async function valuesFor(
  values: Values | null,
  prefix: string,
  source: DynamicSource,
  typed: readonly string[] = [],
): Promise<Candidate[]> {
  let all: Candidate[];
  if (values?.kind === "words") {
    all = values.words.map((word) => ({ value: word, description: "" }));
  } else if (values?.kind === "links" || values?.kind === "albums") {
    all = await source(values.kind);
  } else {
    // Files: the shell completes them itself; free text: nothing to offer.
    return [];
  }
  const wanted = prefix.replace(/^['"]/, "").toLowerCase();
  return all.filter(
    (candidate) =>
      candidate.value.toLowerCase().startsWith(wanted) && !typed.includes(candidate.value),
  );
}

/** A command's flags (and the program's global ones) that start with `prefix`. */
function flagsFor(root: CommandSpec, command: CommandSpec, prefix: string): Candidate[] {
  const options = command === root ? root.options : [...command.options, ...root.options];
  const seen = new Set<string>();
  const candidates: Candidate[] = [];
  for (const option of options) {
    for (const flag of option.flags) {
      if (!flag.startsWith(prefix) || seen.has(flag)) continue;
      seen.add(flag);
      candidates.push({ value: flag, description: option.description });
    }
  }
  return candidates;
}

/**
 * What `dmshare __complete` offers for the last of `words` (the command line after
 * `dmshare`, the word being completed last, "" for a new one): subcommands, flags, option
 * values, or arguments (link ids after `revoke`, album names after `--album`).
 */
export async function completeWords(
  root: CommandSpec,
  words: readonly string[],
  source: DynamicSource,
): Promise<Candidate[]> {
  const current = words.at(-1) ?? "";
  const position = positionOf(root, words.slice(0, -1));
  const { command, pendingOption, positionals, operandsOnly } = position;
  if (pendingOption) return valuesFor(pendingOption.value, current, source);
  if (!operandsOnly && current.startsWith("-")) {
    const equals = current.indexOf("=");
    if (equals < 0) return flagsFor(root, command, current);
    const flag = current.slice(0, equals);
    const option = optionNamed(root, command, flag);
    const values = await valuesFor(option?.value ?? null, current.slice(equals + 1), source);
    return values.map((candidate) => ({ ...candidate, value: `${flag}=${candidate.value}` }));
  }
  if (command.subcommands.length > 0 && positionals.length === 0) {
    return command.subcommands
      .flatMap((sub) => namesOf(sub).map((name) => ({ value: name, description: sub.description })))
      .filter((candidate) => candidate.value.startsWith(current));
  }
  return valuesFor(
    positionalValues(command, positionals.length),
    current,
    source,
    command.positionals.at(-1)?.variadic ? positionals : [],
  );
}

/** One candidate a line, `value<TAB>description`; tabs and line ends never inside either. */
export function candidateLines(candidates: readonly Candidate[]): string {
  return candidates
    .filter((candidate) => !/[\t\n\r]/.test(candidate.value))
    .map((candidate) => {
      const description = candidate.description.replace(/\s+/g, " ").trim();
      return description ? `${candidate.value}\t${description}` : candidate.value;
    })
    .join("\n");
}
