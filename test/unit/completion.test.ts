// The completion scripts `dmshare completion bash|zsh|fish` prints: each parses in its shell
// (where that shell is installed: bash always is), and each names every command, alias and
// long option that `dmshare --help` lists, so a command added later can't be left out.
// In-process through run(argv, ctx); e2e/messages.test.ts loads the bash one in a real shell.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runInProcess } from "../helpers/in-process.ts";

const SHELLS = ["bash", "zsh", "fish"] as const;

async function dmshare(args: string[]): Promise<string> {
  const { code, stdout, stderr } = await runInProcess(args, {
    env: { DMSHARE_CONFIG_DIR: "/nonexistent/dmshare-completion-test" },
  });
  expect(stderr).toBe("");
  expect(code).toBe(0);
  return stdout;
}

/** The rows of a "Commands:" section of a help text: name, aliases. */
function commandsIn(help: string): { name: string; aliases: string[] }[] {
  const section = help.split(/^Commands:\n/m)[1]?.split(/\n\n/)[0] ?? "";
  return [...section.matchAll(/^ {2}([\w-]+)((?:\|[\w-]+)*)/gm)]
    .map(([, name = "", aliases = ""]) => ({ name, aliases: aliases.split("|").filter(Boolean) }))
    .filter((command) => command.name !== "help");
}

/** The long options of the "Options:" section of a help text, and of its option groups. */
function longOptionsIn(help: string): string[] {
  const sections = help
    .split(/\n\n/)
    .filter((text) => /^(?!Arguments:|Commands:)[A-Z][\w ]*:\n/.test(text))
    .join("\n");
  return [...sections.matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map(([, flag = ""]) => flag);
}

/**
 * How each shell's script offers a command at the top level; fish offers only the name, and
 * knows an alias by the options it completes after it.
 */
const commandIn: Record<(typeof SHELLS)[number], (word: string, alias: boolean) => RegExp> = {
  bash: (word) => new RegExp(`compgen -W '[^']*(?<![\\w-])${word}(?![\\w-])[^']*'`),
  zsh: (word) => new RegExp(`'${word}:`),
  fish: (word, alias) =>
    alias
      ? new RegExp(`'__fish_seen_subcommand_from [\\w -]*(?<![\\w-])${word}(?![\\w-])`)
      : new RegExp(`-n __fish_use_subcommand -a '${word}'`),
};

/** How each shell's script names a long option of a command. */
const optionIn: Record<(typeof SHELLS)[number], (flag: string) => RegExp> = {
  bash: (flag) => new RegExp(`(?<![\\w-])${flag}(?![\\w-])`),
  zsh: (flag) => new RegExp(`(?<![\\w-])${flag}(?![\\w-])`),
  fish: (flag) => new RegExp(`-l ${flag.slice(2)}(?![\\w-])`),
};

/** Single quotes that open or close a quoted string (\' is a quote inside one: left out). */
const quotesBalanced = (line: string) =>
  (line.replaceAll("\\'", "").match(/'/g)?.length ?? 0) % 2 === 0;

const installed = (shell: string) => spawnSync(shell, ["-c", "exit 0"]).status === 0;

describe("dmshare completion", async () => {
  const topHelp = await dmshare(["--help"]);
  const commands = commandsIn(topHelp);
  const helps = new Map<string, string>();
  for (const { name } of commands) helps.set(name, await dmshare([name, "--help"]));
  const scripts = new Map<string, string>();
  for (const shell of SHELLS) scripts.set(shell, await dmshare(["completion", shell]));

  it("reads the commands from the help it checks against", () => {
    expect(commands.map((command) => command.name)).toEqual(
      expect.arrayContaining(["send", "list", "revoke", "login", "config", "completion"]),
    );
    expect(commands.find((command) => command.name === "list")?.aliases).toEqual(["ls"]);
    expect(longOptionsIn(helps.get("send") ?? "")).toEqual(
      expect.arrayContaining(["--via", "--album", "--json", "--quiet", "--help"]),
    );
  });

  it.each(SHELLS)("%s: names every command, alias and subcommand", (shell) => {
    const script = scripts.get(shell) ?? "";
    for (const { name, aliases } of commands) {
      expect(script, name).toMatch(commandIn[shell](name, false));
      for (const alias of aliases) expect(script, alias).toMatch(commandIn[shell](alias, true));
      for (const sub of commandsIn(helps.get(name) ?? "")) {
        expect(script, `${name} ${sub.name}`).toMatch(new RegExp(`\\b${sub.name}\\b`));
      }
    }
  });

  it.each(SHELLS)("%s: names every long option of every command, and the global ones", (shell) => {
    const script = scripts.get(shell) ?? "";
    const flags = [
      ...longOptionsIn(topHelp),
      ...commands.flatMap(({ name }) => longOptionsIn(helps.get(name) ?? "")),
    ];
    expect(flags.length).toBeGreaterThan(40);
    for (const flag of new Set(flags)) expect(script, flag).toMatch(optionIn[shell](flag));
  });

  it("bash: parses (bash -n), and registers _dmshare for dmshare", () => {
    const script = scripts.get("bash") ?? "";
    const parsed = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
    expect(parsed.stderr).toBe("");
    expect(parsed.status).toBe(0);
    expect(script.trimEnd().split("\n").at(-1)).toBe(
      "complete -o bashdefault -o default -F _dmshare dmshare",
    );
    // A broken one is caught: the check is not vacuous.
    expect(
      spawnSync("bash", ["-n"], { input: script.replace(/\n\s*esac\n/, "\n") }).status,
    ).not.toBe(0);
  });

  it("zsh: a #compdef file whose every line closes its quotes (and parses, where zsh is)", () => {
    const script = scripts.get("zsh") ?? "";
    expect(script.startsWith("#compdef dmshare\n")).toBe(true);
    expect(script.trimEnd().split("\n").at(-1)).toBe("compdef _dmshare dmshare");
    for (const line of script.split("\n")) expect(quotesBalanced(line), line).toBe(true);
    if (installed("zsh")) {
      const parsed = spawnSync("zsh", ["-n"], { input: script, encoding: "utf8" });
      expect(parsed.stderr).toBe("");
      expect(parsed.status).toBe(0);
    }
  });

  it("fish: only `complete -c dmshare` lines, each closing its quotes (and parses, where fish is)", () => {
    const script = scripts.get("fish") ?? "";
    // First the one function that asks `dmshare __complete` for link ids and album names.
    const [helper, rest = ""] = script.split(/(?<=^end)\n/m);
    expect(helper).toMatch(/^# [^\n]*\nfunction __dmshare_dynamic\n[\s\S]*\bend$/);
    for (const line of rest.trimEnd().split("\n")) {
      if (line.startsWith("#")) continue;
      expect(line).toMatch(/^complete -c dmshare /);
      expect(quotesBalanced(line), line).toBe(true);
    }
    if (installed("fish")) {
      // From a file: fish 3.6 refuses a script on a pipe ("Unable to read input file").
      const parse = (text: string) => {
        const dir = mkdtempSync(path.join(tmpdir(), "dmshare-fish-"));
        try {
          writeFileSync(path.join(dir, "dmshare.fish"), text);
          return spawnSync("fish", ["--no-execute", path.join(dir, "dmshare.fish")], {
            encoding: "utf8",
          });
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      };
      const parsed = parse(script);
      expect(parsed.stderr).toBe("");
      expect(parsed.status).toBe(0);
      expect(parse(script.replace(/\nend\n/, "\n")).status).not.toBe(0);
    }
  });
});
