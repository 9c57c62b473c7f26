import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { run } from "../../src/main.ts";
import { tempDir } from "../helpers/cli.ts";
import { testContext } from "../helpers/context.ts";
import { jpegBytes } from "../helpers/media.ts";

let work: { dir: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  work = await tempDir();
  for (const name of ["a.jpg", "b.jpg"]) await writeFile(path.join(work.dir, name), jpegBytes());
});
afterEach(() => work.cleanup());

/** `dmshare send … --via dropbox --dry-run` in-process: no provider is reached. */
async function dryRun(args: string[]) {
  const test = testContext({ configDir: path.join(work.dir, "config"), cwd: work.dir });
  const code = await run(["send", ...args, "--via", "dropbox", "--dry-run"], test.ctx);
  return { code, stdout: test.stdout(), stderr: test.stderr() };
}

describe("send refuses flags that would not apply (never ignores them)", () => {
  it("--partial with a single photo: one photo is shared whole or not at all", async () => {
    const { code, stdout, stderr } = await dryRun(["a.jpg", "--partial"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain("--partial is for an album, and a.jpg is sent as a single photo.");
    expect(stderr).toContain("--album NAME");
  });

  it("--partial with --each: --each already shares the photos that upload", async () => {
    const { code, stdout, stderr } = await dryRun(["a.jpg", "b.jpg", "--each", "--partial"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain("--partial and --each can't be used together");
    expect(stderr).toContain("leave --partial out");
  });

  it("--concurrency with a single photo: one file is one upload", async () => {
    const { code, stdout, stderr } = await dryRun(["a.jpg", "--concurrency", "4"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain(
      "--concurrency is for an album, and a.jpg is sent as a single photo (one upload).",
    );
  });

  it("--concurrency with --each: the photos of --each upload one after another", async () => {
    const { code, stdout, stderr } = await dryRun([
      "a.jpg",
      "b.jpg",
      "--each",
      "--concurrency",
      "2",
    ]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain("--concurrency and --each can't be used together");
  });

  it("--partial and --concurrency with an album (even of one file) are taken", async () => {
    for (const args of [
      ["a.jpg", "b.jpg", "--partial", "--concurrency", "2"],
      ["a.jpg", "--album", "Trip", "--partial", "--concurrency", "2"],
    ]) {
      const { code, stdout } = await dryRun(args);
      expect(code).toBe(0);
      expect(stdout).toContain("Would upload");
    }
  });
});
