import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/program.ts";
import { CliRun } from "../../src/cli/run.ts";
import { run } from "../../src/main.ts";
import { tempDir } from "../helpers/cli.ts";
import { testContext } from "../helpers/context.ts";

let work: { dir: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  work = await tempDir();
});
afterEach(() => work.cleanup());

async function dmshare(args: string[], stdin?: string) {
  const test = testContext({ configDir: work.dir, stdin, cwd: work.dir });
  const code = await run(args, test.ctx);
  return { code, stdout: test.stdout(), stderr: test.stderr() };
}

describe("the command line", () => {
  it("prints the version", async () => {
    const { code, stdout } = await dmshare(["--version"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  // Every command the program has, including ones added later: each needs examples.
  const commands = buildProgram(
    new CliRun(testContext({ configDir: "/nonexistent" }).ctx),
  ).commands.map((command) => command.name());

  it("has the commands DESIGN.md and the issues name", () => {
    expect(commands).toEqual(
      expect.arrayContaining([
        "send",
        "list",
        "revoke",
        "login",
        "logout",
        "status",
        "config",
        "completion",
      ]),
    );
  });

  it.each(commands)("%s --help has examples", async (command) => {
    const { code, stdout } = await dmshare([command, "--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("Examples:");
    expect(stdout).toContain(`$ dmshare ${command}`);
  });

  it("prints help with no arguments", async () => {
    const { code, stdout } = await dmshare([]);
    expect(code).toBe(0);
    expect(stdout).toContain("Usage: dmshare");
  });

  it("an unknown command → exit 2", async () => {
    const { code, stderr } = await dmshare(["sned"]);
    expect(code).toBe(2);
    expect(stderr).toContain("✖ Unknown command 'sned'.\n  Did you mean send?");
  });

  it("send with no files and no terminal → exit 2", async () => {
    const { code, stderr } = await dmshare(["send", "--via", "dropbox"]);
    expect(code).toBe(2);
    expect(stderr).toContain("No files to send");
  });

  it("send - with nothing on stdin → exit 2", async () => {
    const { code, stderr } = await dmshare(["send", "-", "--via", "dropbox"], "");
    expect(code).toBe(2);
    expect(stderr).toContain("No files to send");
  });

  it("refuses - mixed with other files", async () => {
    const { code, stderr } = await dmshare(["send", "-", "a.jpg", "--via", "dropbox"], "");
    expect(code).toBe(2);
    expect(stderr).toContain("must be the only file argument");
  });

  it("revoke of an id the ledger doesn't have → exit 2", async () => {
    const { code, stderr } = await dmshare(["revoke", "zzzzzzzz"]);
    expect(code).toBe(2);
    expect(stderr).toContain('"zzzzzzzz" is not a link dmshare made');
  });

  it("config set/get/unset round-trips", async () => {
    expect((await dmshare(["config", "set", "provider", "Dropbox"])).code).toBe(0);
    expect((await dmshare(["config", "get", "provider"])).stdout).toBe("dropbox\n");
    expect((await dmshare(["config", "list", "--json"])).stdout).toBe(
      '{\n  "provider": "dropbox"\n}\n',
    );
    expect((await dmshare(["config", "unset", "provider"])).code).toBe(0);
    expect((await dmshare(["config", "get", "provider"])).stdout).toBe("");
  });

  it("a config file with wrong types → exit 2 naming the file", async () => {
    const { writeFile } = await import("node:fs/promises");
    await writeFile(`${work.dir}/config.json`, '{"provider": 42}');
    const { code, stderr } = await dmshare(["config", "get", "provider"]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${work.dir}/config.json is invalid: "provider" must be a string`);
  });
});
