import { writeFile } from "node:fs/promises";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { run } from "../../src/main.ts";
import { tempDir } from "../helpers/cli.ts";
import { testContext } from "../helpers/context.ts";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";

const ANSI = "\u001b[";

let work: { dir: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  work = await tempDir();
});
afterEach(() => work.cleanup());

async function dmshare(args: string[], env: Record<string, string> = {}) {
  const test = testContext({ configDir: work.dir, cwd: work.dir, env, stdin: "" });
  const code = await run(args, test.ctx);
  return { code, stdout: test.stdout(), stderr: test.stderr() };
}

/** The one JSON document a failing `--json` run prints on stdout. */
function fatalDocument(stdout: string) {
  return JSON.parse(stdout) as {
    error: { message: string; hint: string | null; exitCode: number };
  };
}

describe("a fatal error with --json", () => {
  it("send: the error is a JSON object on stdout, and the human line stays on stderr", async () => {
    const { code, stdout, stderr } = await dmshare([
      "send",
      "missing.jpg",
      "--via",
      "dropbox",
      "--json",
    ]);
    expect(code).toBe(2);
    const { error } = fatalDocument(stdout);
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain("missing.jpg");
    expect(stderr).toContain(`✖ ${error.message}`);
    expect(Object.keys(error).sort()).toEqual(["exitCode", "hint", "message"]);
  });

  it("send: a usage error found while parsing (--password=VALUE) is JSON too, without the value", async () => {
    const { code, stdout, stderr } = await dmshare([
      "send",
      "beach.jpg",
      "--json",
      "--password=hunter2",
    ]);
    expect(code).toBe(2);
    expect(fatalDocument(stdout).error.message).toBe(
      "--password takes no value on the command line: it would stay in your shell history.",
    );
    expect(stdout + stderr).not.toContain("hunter2");
  });

  it("list: a bad --since is JSON on stdout", async () => {
    const { code, stdout } = await dmshare(["list", "--json", "--since", "someday"]);
    expect(code).toBe(2);
    expect(fatalDocument(stdout).error).toMatchObject({ exitCode: 2 });
  });

  it("revoke: an unknown id is JSON on stdout", async () => {
    const { code, stdout } = await dmshare(["revoke", "zzzzzzzz", "--json"]);
    expect(code).toBe(2);
    expect(fatalDocument(stdout).error.message).toContain('"zzzzzzzz" is not a link dmshare made');
  });

  it("status: a broken credentials file is JSON on stdout (exit 3)", async () => {
    await writeFile(path.join(work.dir, "credentials.json"), "{", { mode: 0o600 });
    const { code, stdout } = await dmshare(["status", "--json"]);
    expect(code).toBe(3);
    expect(fatalDocument(stdout).error).toMatchObject({ exitCode: 3 });
    expect(fatalDocument(stdout).error.message).toContain("credentials.json is not valid JSON");
  });

  it("without --json stdout stays empty", async () => {
    const { code, stdout, stderr } = await dmshare(["revoke", "zzzzzzzz"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain('"zzzzzzzz" is not a link dmshare made');
  });

  it("a usage error commander finds is said as dmshare's own, also in JSON", async () => {
    const { code, stdout, stderr } = await dmshare(["list", "--json", "--bogus"]);
    expect(code).toBe(2);
    // --json keeps stderr to the error: the usage is printed without it (help-errors.test.ts).
    expect(stderr).toBe(
      "✖ Unknown option '--bogus'.\n  Run dmshare list --help for the options and examples.\n",
    );
    expect(fatalDocument(stdout).error).toEqual({
      message: "Unknown option '--bogus'.",
      hint: "Run dmshare list --help for the options and examples.",
      exitCode: 2,
    });
  });
});

describe("--no-color", () => {
  it("also holds for a usage error found while parsing", async () => {
    const { stderr } = await dmshare(["send", "beach.jpg", "--password=x", "--no-color"], {
      FORCE_COLOR: "1",
    });
    expect(stderr).toContain("--password takes no value");
    expect(stderr).not.toContain(ANSI);
  });

  it('also holds for "Interrupted" after Ctrl-C', async () => {
    const stdin = new PassThrough();
    const interrupt = new AbortController();
    const test = testContext({ configDir: work.dir, cwd: work.dir, env: { FORCE_COLOR: "1" } });
    const running = run(["send", "-", "--via", "dropbox", "--no-color"], {
      ...test.ctx,
      stdin,
      signal: interrupt.signal,
    });
    // Ctrl-C while `send -` waits for the paths on stdin.
    for (let tries = 0; stdin.listenerCount("data") === 0 && tries < 1000; tries++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(stdin.listenerCount("data")).toBe(1);
    interrupt.abort();
    expect(await running).toBe(130);
    expect(test.stderr()).toContain("Interrupted: stopping cleanly…");
    expect(test.stderr()).not.toContain(ANSI);
  });
});

describe("retry notices", () => {
  const bed = useDropboxTestbed({ token: "retry-token" });

  async function statusOnTerminal(args: string[]) {
    bed.emulator.inject({ route: "/2/users/get_current_account", kind: "status", status: 503 });
    const test = testContext({ configDir: bed.configDir, cwd: bed.dir, env: bed.env() });
    Object.assign(test.ctx.stderr, { isTTY: true });
    const code = await run(args, test.ctx);
    return { code, stdout: test.stdout(), stderr: test.stderr() };
  }

  it("are said on a terminal", async () => {
    const { code, stderr } = await statusOnTerminal(["status"]);
    expect(code).toBe(0);
    expect(stderr).toMatch(/retrying in \d+ s/);
  });

  it("are not said with --json, like any other progress", async () => {
    const { code, stdout, stderr } = await statusOnTerminal(["status", "--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)[0].state).toBe("logged-in");
    expect(stderr).toBe("");
  });
});
