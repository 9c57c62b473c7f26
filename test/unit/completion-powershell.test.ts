import { describe, expect, it } from "vitest";
import { type PsCommand, powershellScript, psQuote } from "../../src/cli/completion/powershell.ts";
import { completionScript } from "../../src/cli/completion/render.ts";
import { buildProgram } from "../../src/cli/program.ts";
import { CliRun } from "../../src/cli/run.ts";
import { testContext } from "../helpers/context.ts";

const program = () => buildProgram(new CliRun(testContext({ configDir: "/nonexistent" }).ctx));

/** A small tree with what needs care: an alias, a nested command, quotes, -v beside -V. */
const TREE: PsCommand = {
  name: "dmshare",
  aliases: [],
  description: "",
  options: [
    { flags: ["-V", "--version"], description: "print the version", value: null },
    { flags: ["-v", "--verbose"], description: "say more", value: null },
  ],
  args: null,
  subcommands: [
    {
      name: "list",
      aliases: ["ls"],
      description: "show what's shared",
      options: [
        {
          flags: ["--status"],
          description: "only links in this state",
          value: { kind: "words", words: ["active", "revoked"] },
        },
        { flags: ["--credentials"], description: "a file", value: { kind: "files" } },
      ],
      args: null,
      subcommands: [],
    },
    {
      name: "config",
      aliases: [],
      description: "settings",
      options: [],
      args: null,
      subcommands: [
        {
          name: "set",
          aliases: [],
          description: "change one ‘setting’",
          options: [],
          args: { kind: "words", words: ["provider", "preset"] },
          subcommands: [],
        },
      ],
    },
  ],
};

describe("dmshare completion powershell", () => {
  it("quotes every text as a PowerShell single-quoted string", () => {
    expect(psQuote("it's")).toBe("'it''s'");
    expect(psQuote("‘a’ $(calc) `b")).toBe("'‘‘a’’ $(calc) `b'");
  });

  it("writes the command tree as hashtables, aliases to their paths, keys unique case-insensitively", () => {
    expect(powershellScript(TREE)).toMatchSnapshot();
  });

  it("is made from the real commands (snapshot: a change of commands shows here)", async () => {
    const script = completionScript(program(), "powershell");
    await expect(script).toMatchFileSnapshot("__snapshots__/completion.ps1");
    for (const word of [
      "'send' = @{",
      "'config set' = @{",
      "'ls' = 'list'",
      "'--via' = @('dropbox', 'gdrive', 'gphotos', 'onedrive')",
    ]) {
      expect(script).toContain(word);
    }
    // Balanced braces and parentheses outside strings: a cheap stand-in for parsing it.
    const code = script
      .replace(/'(?:[^']|'')*'/g, "''")
      .replace(/"[^"]*"/g, '""')
      .replace(/#.*$/gm, "");
    for (const [open, close] of [
      ["{", "}"],
      ["(", ")"],
    ] as const) {
      expect(code.split(open).length).toBe(code.split(close).length);
    }
    // No hashtable literal holds two keys that differ only in case (PowerShell refuses it).
    const tables: Set<string>[] = [];
    let keys = 0;
    for (const line of script.split("\n")) {
      const key = /^\s*'((?:[^']|'')*)' = /.exec(line)?.[1];
      if (key !== undefined) {
        const table = tables.at(-1);
        expect(table?.has(key.toLowerCase()), `${key} twice`).toBe(false);
        table?.add(key.toLowerCase());
        keys++;
      }
      if (line.trimEnd().endsWith("@{")) tables.push(new Set());
      if (line.trim() === "}") tables.pop();
    }
    expect(keys).toBeGreaterThan(100);
  });
});
