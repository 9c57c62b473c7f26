import { stripVTControlCharacters } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { environmentVariableNames } from "../../src/cli/help/render.ts";
import { EXIT_CODES } from "../../src/lib/errors.ts";
import { run } from "../../src/main.ts";
import { findProvider, providerNames, tokenVariable } from "../../src/providers/catalog.ts";
import { tempDir } from "../helpers/cli.ts";
import { testContext } from "../helpers/context.ts";
import { sourceTexts } from "../helpers/sources.ts";

let work: { dir: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  work = await tempDir();
});
afterEach(() => work.cleanup());

async function dmshare(args: string[], columns?: number) {
  const test = testContext({
    configDir: work.dir,
    cwd: work.dir,
    stderr: columns ? { isTTY: true, columns } : undefined,
  });
  const code = await run(args, test.ctx);
  return { code, stdout: test.stdout(), stderr: test.stderr() };
}

describe("commander's errors are said as dmshare's", () => {
  it("an unknown option: ✖ message, hint, then that command's usage and options; exit 2", async () => {
    const { code, stdout, stderr } = await dmshare(["send", "--bogus"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    const [error, hint, blank, usage] = stderr.split("\n");
    expect(error).toBe("✖ Unknown option '--bogus'.");
    expect(hint).toBe("  Run dmshare send --help for the options and examples.");
    expect(blank).toBe("");
    expect(usage).toBe("Usage: dmshare send [options] [files...]");
    expect(stderr).toContain("--via <provider>");
    // The usage, not the whole help: no description, no examples.
    expect(stderr).not.toContain("Examples:");
    expect(stderr).not.toContain("error:");
  });

  it("a misspelt option is named with did-you-mean", async () => {
    const { code, stderr } = await dmshare(["list", "--jsno"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^✖ Unknown option '--jsno'\.\n {2}Did you mean --json\? /);
    expect(stderr).toContain("Usage: dmshare list");
  });

  it("a command missing its subcommand: ✖ message naming them, hint, then the usage; exit 2", async () => {
    const { code, stdout, stderr } = await dmshare(["config"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    const [error, hint, blank, usage] = stderr.split("\n");
    expect(error).toBe("✖ dmshare config needs a command: get, set, unset, list.");
    expect(hint).toBe("  Run dmshare config --help for its commands and examples.");
    expect(blank).toBe("");
    expect(usage).toBe("Usage: dmshare config [options] [command]");
    expect(stderr).toContain("set <key> <value>");
    // Said once, in dmshare's style: not commander's whole help before it.
    expect(stderr.match(/Usage:/g)).toHaveLength(1);
  });

  it("the usage fits the terminal it goes to", async () => {
    // (Commander wraps descriptions only when their column keeps 40 characters.)
    const { stderr } = await dmshare(["send", "--bogus"], 70);
    const usage = stripVTControlCharacters(stderr).split("\n").slice(3);
    expect(usage.length).toBeGreaterThan(10);
    for (const line of usage) expect(line.length).toBeLessThanOrEqual(70);
  });

  it.each([
    [
      ["sned"],
      "✖ Unknown command 'sned'.\n  Did you mean send? Run dmshare --help for the commands.",
    ],
    [
      ["config", "sett"],
      "✖ Unknown command 'sett'.\n  Did you mean set? Run dmshare config --help for its commands.",
    ],
    [["help", "sned"], "✖ Unknown command 'sned'.\n  Did you mean send?"],
    [
      ["help", "config", "sett"],
      "✖ Unknown command 'sett' of dmshare config.\n  Did you mean set?",
    ],
    [
      ["config", "help", "sett"],
      "✖ Unknown command 'sett' of dmshare config.\n  Did you mean set?",
    ],
    [["status", "extra"], "✖ Too many arguments for 'status'."],
    [["completion"], "✖ Missing required argument 'shell'."],
    [["login", "--timeout"], "✖ Option '--timeout <seconds>' argument missing."],
  ])("dmshare %j → exit 2: %s", async (args, start) => {
    const { code, stdout, stderr } = await dmshare(args);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.startsWith(start)).toBe(true);
  });
});

describe("dmshare help and version", () => {
  it("help <command> prints that command's help on stdout", async () => {
    const { code, stdout } = await dmshare(["help", "config", "set"]);
    expect(code).toBe(0);
    expect(stdout).toContain("Usage: dmshare config set [options] <key> <value>");
  });

  it("config help set is help config set", async () => {
    const { code, stdout } = await dmshare(["config", "help", "set"]);
    expect(code).toBe(0);
    expect(stdout).toBe((await dmshare(["help", "config", "set"])).stdout);
  });

  it("help with no topic prints the program's help, naming the topics", async () => {
    const { code, stdout } = await dmshare(["help"]);
    expect(code).toBe(0);
    expect(stdout).toBe((await dmshare(["--help"])).stdout);
    expect(stdout).toContain("dmshare help environment");
    expect(stdout).toContain("dmshare help exit-codes");
  });

  it("version prints what --version prints", async () => {
    const version = await dmshare(["version"]);
    expect(version.code).toBe(0);
    expect(version.stdout).toBe((await dmshare(["--version"])).stdout);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it("help exit-codes names every exit code", async () => {
    const { code, stdout } = await dmshare(["help", "exit-codes"]);
    expect(code).toBe(0);
    for (const exit of Object.values(EXIT_CODES))
      expect(stdout).toMatch(new RegExp(`^ *${exit}  `, "m"));
    expect(stdout).toMatch(/^ +130 {2}interrupted with Ctrl-C/m);
  });

  it("config's settings wrap at the terminal's width, under their own column, naming every provider", async () => {
    for (const columns of [80, 100]) {
      const test = testContext({ configDir: work.dir, stdout: { isTTY: true, columns } });
      expect(await run(["config", "--help"], test.ctx)).toBe(0);
      const help = test.stdout();
      const settings = help.slice(help.indexOf("Settings:"), help.indexOf("Options:")).split("\n");
      for (const line of settings) {
        expect(line.length).toBeLessThanOrEqual(columns);
        // A setting's name at 2, its description's later lines under its first (13).
        if (line && line !== "Settings:") expect(line).toMatch(/^ {2}[a-z-]+ +\S|^ {13}\S/);
      }
      for (const name of providerNames()) expect(settings.join(" ")).toContain(name);
    }
  });

  it("send's help names every provider and its aliases", async () => {
    const { code, stdout } = await dmshare(["send", "--help"]);
    expect(code).toBe(0);
    const text = stdout.replace(/\s+/g, " ");
    for (const name of providerNames()) {
      const entry = findProvider(name);
      const aliases = entry.aliases.length ? ` (${entry.aliases.join(", ")})` : "";
      expect(text).toContain(`${name}${aliases}`);
    }
  });

  it("help environment wraps at the terminal's width", async () => {
    const test = testContext({ configDir: work.dir, stdout: { isTTY: true, columns: 50 } });
    expect(await run(["help", "environment"], test.ctx)).toBe(0);
    for (const line of test.stdout().split("\n")) expect(line.length).toBeLessThanOrEqual(50);
  });
});

describe("dmshare help environment", () => {
  it("names every environment variable src/ reads", async () => {
    const read = new Set<string>();
    for (const text of await sourceTexts()) {
      // env.NAME, env?.NAME, env["NAME"]
      for (const match of text.matchAll(/\benv\??\.([A-Z][A-Z0-9_]+)\b/g)) read.add(match[1] ?? "");
      for (const match of text.matchAll(/\benv\[\s*"([A-Z][A-Z0-9_]+)"\s*\]/g))
        read.add(match[1] ?? "");
      // Variables named as strings and read through a helper (envMs, the catalog, base-url).
      for (const match of text.matchAll(/"(DMSHARE_[A-Z0-9_]+)"/g)) read.add(match[1] ?? "");
    }
    // Build-time variables (scripts/build.ts) are not read by dmshare at run time.
    for (const name of read) if (name.startsWith("DMSHARE_BUILTIN_")) read.delete(name);
    for (const name of providerNames()) read.add(tokenVariable(name));
    expect(read.size).toBeGreaterThan(20);
    const { stdout } = await dmshare(["help", "environment"]);
    const named = new Set(environmentVariableNames());
    const missing = [...read].filter((name) => !named.has(name) || !stdout.includes(name));
    expect(missing).toEqual([]);
  });
});
