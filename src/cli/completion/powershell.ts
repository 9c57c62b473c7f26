/**
 * `dmshare completion powershell`: a native argument completer for PowerShell (Windows
 * PowerShell 5.1 and pwsh 7), made from the same command tree as the bash, zsh and fish
 * scripts. The tree is written into the script as hashtables; a small walker finds the
 * command being typed and offers its subcommands, options or option values. File arguments
 * return nothing, which lets PowerShell complete paths itself (drive letters, UNC names).
 */

/** What a word can be completed with (the shape completion.ts builds). */
export type PsValues = { kind: "words"; words: string[] } | { kind: "files" } | { kind: "text" };

interface PsOption {
  flags: string[];
  description: string;
  value: PsValues | null;
}

export interface PsCommand {
  name: string;
  aliases: string[];
  description: string;
  options: PsOption[];
  args: PsValues | null;
  subcommands: PsCommand[];
}

/**
 * A PowerShell single-quoted string. Its only special characters are the quotes, which
 * PowerShell also recognises in their typographic forms; each is doubled.
 */
export const psQuote = (text: string) =>
  `'${text.replace(/['\u2018\u2019\u201a\u201b]/g, "$&$&")}'`;

const psList = (items: readonly string[]) => `@(${items.map(psQuote).join(", ")})`;

/**
 * A hashtable literal. PowerShell's keys are case-insensitive and a literal with two keys
 * that differ only in case does not parse (-v and -V): the first one is kept.
 */
function psTable(all: [string, string][], indent: string): string {
  const seen = new Set<string>();
  const entries = all.filter(
    ([key]) => !seen.has(key.toLowerCase()) && seen.add(key.toLowerCase()),
  );
  return entries.length === 0
    ? "@{}"
    : `@{\n${entries.map(([key, value]) => `${indent}  ${psQuote(key)} = ${value}`).join("\n")}\n${indent}}`;
}

const valuesText = (values: PsValues | null) =>
  values === null || values.kind === "text"
    ? "'TEXT'"
    : values.kind === "files"
      ? "'FILES'"
      : psList(values.words);

const namesOf = (command: PsCommand) => [command.name, ...command.aliases];

/** One command's entry: its options, their values and tips, its subcommands or arguments. */
function commandEntry(command: PsCommand, indent: string): string {
  const inner = `${indent}  `;
  const flags = command.options.flatMap((option) => option.flags);
  const tips = command.options.flatMap((option) =>
    option.flags.map((flag): [string, string] => [flag, psQuote(option.description || flag)]),
  );
  const values = command.options.flatMap((option) =>
    option.value
      ? option.flags.map((flag): [string, string] => [flag, valuesText(option.value)])
      : [],
  );
  const subs = command.subcommands.flatMap((sub) =>
    namesOf(sub).map((name): [string, string] => [name, psQuote(sub.description || name)]),
  );
  return [
    "@{",
    `${inner}Flags = ${psList(flags)}`,
    `${inner}Tips = ${psTable(tips, inner)}`,
    `${inner}Values = ${psTable(values, inner)}`,
    `${inner}Subs = ${psTable(subs, inner)}`,
    `${inner}Args = ${command.args ? valuesText(command.args) : "$null"}`,
    `${indent}}`,
  ].join("\n");
}

/** Every command by its path ('' for dmshare itself, 'config set'), and every alias's path. */
function commandTable(root: PsCommand) {
  const entries: [string, string][] = [];
  const aliases: [string, string][] = [];
  const visit = (command: PsCommand, path: string, parent: string) => {
    entries.push([path, commandEntry(command, "    ")]);
    for (const alias of command.aliases) {
      aliases.push([parent === "" ? alias : `${parent} ${alias}`, psQuote(path)]);
    }
    for (const sub of command.subcommands) {
      visit(sub, path === "" ? sub.name : `${path} ${sub.name}`, path);
    }
  };
  visit(root, "", "");
  return { entries, aliases };
}

/** The script for PowerShell. */
export function powershellScript(root: PsCommand): string {
  const { entries, aliases } = commandTable(root);
  const valueFlags = new Set<string>();
  const all = (command: PsCommand): PsCommand[] => [command, ...command.subcommands.flatMap(all)];
  for (const command of all(root)) {
    for (const option of command.options) {
      if (option.value) for (const flag of option.flags) valueFlags.add(flag);
    }
  }
  const lines = [
    "# dmshare completion for PowerShell. Install: dmshare completion powershell >> $PROFILE",
    "# (or for this session only: dmshare completion powershell | Out-String | Invoke-Expression)",
    "Register-ArgumentCompleter -Native -CommandName @('dmshare', 'dmshare.cmd', 'dmshare.ps1') -ScriptBlock {",
    "  param($wordToComplete, $commandAst, $cursorPosition)",
    `  $commands = ${psTable(entries, "  ")}`,
    `  $aliases = ${psTable(aliases, "  ")}`,
    `  $valueFlags = ${psList([...valueFlags])}`,
    "  $path = ''",
    "  $valueOf = $null",
    "  foreach ($element in @($commandAst.CommandElements | Select-Object -Skip 1)) {",
    "    if ($element.Extent.EndOffset -ge $cursorPosition) { break }",
    "    $word = $element.Extent.Text",
    "    if ($null -ne $valueOf) { $valueOf = $null; continue }",
    "    if ($valueFlags -contains $word) { $valueOf = $word; continue }",
    "    if ($word.StartsWith('-')) { continue }",
    "    $next = if ($path -eq '') { $word } else { \"$path $word\" }",
    "    if ($aliases.ContainsKey($next)) { $next = $aliases[$next] }",
    "    if ($commands.ContainsKey($next)) { $path = $next }",
    "  }",
    "  $spec = $commands[$path]",
    "  $tips = @{}",
    "  if ($null -ne $valueOf) {",
    "    $candidates = $spec.Values[$valueOf]",
    "    if ($null -eq $candidates) { $candidates = $commands[''].Values[$valueOf] }",
    "    # FILES: nothing here, so PowerShell completes paths itself; TEXT: nothing to offer.",
    "    if ($candidates -isnot [array]) { return }",
    "  } elseif ($wordToComplete.StartsWith('-')) {",
    "    $candidates = $spec.Flags",
    "    $tips = $spec.Tips",
    "  } elseif ($spec.Subs.Count -gt 0) {",
    "    $candidates = @($spec.Subs.Keys | Sort-Object)",
    "    $tips = $spec.Subs",
    "  } elseif ($spec.Args -is [array]) {",
    "    $candidates = $spec.Args",
    "  } else {",
    "    return",
    "  }",
    "  foreach ($candidate in $candidates) {",
    "    if (-not $candidate.StartsWith($wordToComplete, [System.StringComparison]::OrdinalIgnoreCase)) { continue }",
    "    $tip = if ($tips.ContainsKey($candidate)) { $tips[$candidate] } else { $candidate }",
    "    [System.Management.Automation.CompletionResult]::new($candidate, $candidate, 'ParameterValue', $tip)",
    "  }",
    "}",
    "",
  ];
  return lines.join("\n");
}
