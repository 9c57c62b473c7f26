import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type * as FastPath from "../../src/fast-path.ts";
import { run } from "../../src/main.ts";
import { BIN, runCli, tempDir } from "../helpers/cli.ts";
import { testContext } from "../helpers/context.ts";
import { useTerminals } from "../helpers/tmux.ts";

// `dmshare --version` and `--help` print text the build made (dist/fast-path.js) without
// loading the program: it must be exactly what the program prints, at every width.
const { fastAnswer } = (await import(
  new URL("../../dist/fast-path.js", import.meta.url).href
)) as typeof FastPath;

/** What the program itself prints for `args`, with stdout on a terminal `columns` wide or piped. */
async function programPrints(args: string[], columns?: number) {
  const config = await tempDir();
  try {
    const test = testContext({ configDir: config.dir });
    const stdout = Object.assign(new PassThrough(), { isTTY: columns !== undefined, columns });
    const chunks: Buffer[] = [];
    stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    const code = await run(args, { ...test.ctx, stdout });
    expect(test.stderr()).toBe("");
    return { code, stdout: Buffer.concat(chunks).toString("utf8") };
  } finally {
    await config.cleanup();
  }
}

describe("the fast path's answers are the program's own output", () => {
  it("for --help at every terminal width commander can use, and piped", async () => {
    const piped = await programPrints(["--help"]);
    expect(piped.code).toBe(0);
    expect(fastAnswer(["--help"], { isTTY: false, columns: 40 })).toBe(piped.stdout);
    expect(fastAnswer(["--help"], {})).toBe(piped.stdout);
    // 0 … well past the widest line, where nothing wraps any more.
    for (let columns = 0; columns <= 260; columns++) {
      const { stdout } = await programPrints(["--help"], columns);
      expect(fastAnswer(["--help"], { isTTY: true, columns }), `${columns} columns`).toBe(stdout);
      expect(fastAnswer(["-h"], { isTTY: true, columns }), `${columns} columns`).toBe(stdout);
      expect(fastAnswer([], { isTTY: true, columns }), `${columns} columns`).toBe(stdout);
      expect(fastAnswer(["help"], { isTTY: true, columns }), `${columns} columns`).toBe(stdout);
      // `dmshare help` is the program's own command too: the same text.
      if (columns % 37 === 0) expect((await programPrints(["help"], columns)).stdout).toBe(stdout);
    }
    expect(fastAnswer(["--help"], { isTTY: true, columns: 5000 })).toBe(
      (await programPrints(["--help"], 5000)).stdout,
    );
  });

  it("for --version and -V", async () => {
    const { code, stdout } = await programPrints(["--version"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\d+\.\d+\.\d+/);
    expect(fastAnswer(["--version"], {})).toBe(stdout);
    expect(fastAnswer(["-V"], { isTTY: true, columns: 80 })).toBe(stdout);
    expect(fastAnswer(["version"], {})).toBe(stdout);
    expect((await programPrints(["version"])).stdout).toBe(stdout);
  });

  it("answers nothing else: the program handles every other command line", () => {
    for (const argv of [
      ["list"],
      ["help", "send"],
      ["--verbose"],
      ["--help", "send"],
      ["send", "--help"],
      ["--version", "--help"],
      ["-hV"],
      ["--no-color"],
    ]) {
      expect(fastAnswer(argv, {}), argv.join(" ")).toBeUndefined();
    }
    expect(fastAnswer(["--help"], { isTTY: true, columns: Number.NaN })).toBeUndefined();
  });
});

describe("dmshare --help and --version, run", () => {
  it.each([
    [["--help"], {}],
    [["-h"], {}],
    [[], {}],
    [["--version"], {}],
    [["-V"], {}],
    [["--help"], { NO_COLOR: "1" }],
    [["--help"], { FORCE_COLOR: "1" }],
    [["--version"], { FORCE_COLOR: "3" }],
  ])("dmshare %j with %j prints what the whole program prints", async (args, env) => {
    const fast = await runCli(args, { env });
    // Two arguments take the program's own path: the same text either way.
    const whole = await runCli(["--no-color", ...(args.length > 0 ? args : ["--help"])], { env });
    expect(fast).toEqual({ code: 0, stdout: whole.stdout, stderr: "" });
    expect(whole.code).toBe(0);
    expect(fast.stdout).toBe((await programPrints(args)).stdout);
  });
});

describe("what the fast path loads", () => {
  it("nothing of the program: a dist/ with only fast-path.js answers --version and --help", async () => {
    const clone = await tempDir();
    try {
      const bin = path.join(clone.dir, "bin", "dmshare.js");
      await mkdir(path.dirname(bin));
      await mkdir(path.join(clone.dir, "dist"));
      await copyFile(BIN, bin);
      await copyFile(
        new URL("../../dist/fast-path.js", import.meta.url),
        path.join(clone.dir, "dist", "fast-path.js"),
      );
      expect(await runCli(["--version"], { bin })).toEqual(await runCli(["--version"]));
      expect(await runCli(["--help"], { bin })).toEqual(await runCli(["--help"]));
      // Anything else needs the program, which this dist/ does not have.
      const list = await runCli(["list"], { bin });
      expect(list.code).toBe(1);
      expect(list.stderr).toContain("dmshare is not built");
    } finally {
      await clone.cleanup();
    }
  });
});

describe("dmshare --help at a terminal", () => {
  const openTerminal = useTerminals();

  it.each([52, 97])(
    "wraps at the terminal's width as the program does (%i columns)",
    async (columns) => {
      const config = await tempDir();
      try {
        const terminal = await openTerminal(["--help"], { cwd: config.dir, columns, rows: 60 });
        expect(await terminal.exitCode()).toBe(0);
        const { stdout } = await programPrints(["--help"], columns);
        const lines = (text: string) => text.split("\n").map((line) => line.trimEnd());
        const screen = lines(await terminal.screen())
          .join("\n")
          .trim();
        expect(screen).toBe(lines(stdout).join("\n").trim());
      } finally {
        await config.cleanup();
      }
    },
  );
});
