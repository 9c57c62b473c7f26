import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/program.ts";
import { CliRun } from "../../src/cli/run.ts";
import { SEND_OPTION_GROUPS } from "../../src/cli/send/help-groups.ts";
import { run } from "../../src/main.ts";
import { testContext } from "../helpers/context.ts";

const program = buildProgram(new CliRun(testContext({ configDir: "/nonexistent" }).ctx));

/** Every command and subcommand, by its full name (`config set`). */
function allCommands(
  command: CommandUnknownOpts,
  prefix: string[] = [],
): [string, CommandUnknownOpts][] {
  return command.commands.flatMap((sub) => {
    const name = [...prefix, sub.name()];
    return [[name.join(" "), sub] as [string, CommandUnknownOpts], ...allCommands(sub, name)];
  });
}

async function helpOf(words: string[]) {
  const test = testContext({ configDir: "/nonexistent" });
  const code = await run([...words, "--help"], test.ctx);
  return { code, stdout: test.stdout() };
}

describe("every command's help teaches", () => {
  const commands = allCommands(program).filter(([name]) => !name.endsWith(" help"));

  it.each(commands)("%s has a description and examples", async (name, command) => {
    expect(command.description().length, name).toBeGreaterThan(20);
    const { code, stdout } = await helpOf(name.split(" "));
    expect(code).toBe(0);
    expect(stdout).toContain(command.description().slice(0, 20));
    expect(stdout).toContain("Examples:");
    expect(stdout).toContain(`$ dmshare ${name}`);
  });

  it.each(commands)("%s shows its defaults as values, not quoted strings", async (name) => {
    const { stdout } = await helpOf(name.split(" "));
    expect(stdout).not.toMatch(/\(default: "/);
  });

  it("login --timeout shows its default in seconds", async () => {
    const { stdout } = await helpOf(["login"]);
    expect(stdout.replace(/\s+/g, " ")).toContain(
      "--timeout <seconds> how many seconds to wait for the browser (default: 300)",
    );
  });

  it("send --help groups its options: what to send, link settings, privacy, output", async () => {
    const { stdout } = await helpOf(["send"]);
    const headings = stdout.split("\n").filter((line) => /^[A-Z][\w ]+:$/.test(line));
    expect(headings).toEqual([
      "Arguments:",
      ...Object.keys(SEND_OPTION_GROUPS),
      "Options:",
      "Examples:",
    ]);
    // Each option of send is in a group (a new one must be placed: only --help stays out).
    const send = program.commands.find((command) => command.name() === "send");
    const ungrouped = send?.options.filter((option) => !option.helpGroupHeading);
    expect(ungrouped?.map((option) => option.long)).toEqual([]);
    const [, what] = stdout.split("What to send:\n");
    expect(what?.split("\n\n")[0]).toContain("--via <provider>");
  });
});
