import { link, mkdir } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { withoutRepeats } from "../../src/core/same-file.ts";
import { run } from "../../src/main.ts";
import { tempDir, writeFiles } from "../helpers/cli.ts";
import { testContext } from "../helpers/context.ts";
import { jpegBytes } from "../helpers/media.ts";

let work: { dir: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  work = await tempDir();
});
afterEach(() => work.cleanup());

/**
 * A dry run connects as the real run does, so it needs a login; nothing answers at this
 * address, and nothing in these tests asks the provider anything.
 */
const LOGGED_IN = {
  DMSHARE_DROPBOX_TOKEN: "dry-run-token",
  DMSHARE_DROPBOX_API_URL: "http://127.0.0.1:9",
};

async function dryRun(args: string[], stdin?: string) {
  const test = testContext({
    configDir: path.join(work.dir, "config"),
    stdin,
    cwd: work.dir,
    env: LOGGED_IN,
  });
  const code = await run(["send", ...args, "--dry-run", "--via", "dropbox"], test.ctx);
  return { code, stdout: test.stdout(), stderr: test.stderr() };
}

describe("the same photo named twice", () => {
  it("A.jpg and a.jpg on a case-insensitive disk (here: two names of one file) are sent once", async () => {
    await writeFiles(work.dir, { "A.jpg": jpegBytes(3000) });
    // A case-insensitive disk gives both names the same file: a hard link does the same here.
    await link(path.join(work.dir, "A.jpg"), path.join(work.dir, "a.jpg"));
    const { code, stdout } = await dryRun(["A.jpg", "a.jpg", "./A.jpg"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Would upload A\.jpg \(3\.0 KB\) to Dropbox/);
  });

  it("two different files stay two, whatever their names", async () => {
    await mkdir(path.join(work.dir, "x"));
    await writeFiles(work.dir, { "x/a.jpg": jpegBytes(3000), "a.jpg": jpegBytes(3001) });
    const { code, stdout } = await dryRun(["a.jpg", "x/a.jpg"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Would upload album "[^"]+" \(2 files, /);
  });

  it("a file system with no inodes (0) is told apart by path only", async () => {
    const files = [{ path: "C:\\p\\a.jpg" }, { path: "C:\\p\\b.jpg" }, { path: "C:\\p\\a.jpg" }];
    expect(await withoutRepeats(files, async () => null)).toEqual(files.slice(0, 2));
  });
});

describe("send - on Windows", () => {
  it("a list with a byte-order mark and CRLF line ends (PowerShell) reads every path", async () => {
    await writeFiles(work.dir, { "beach.jpg": jpegBytes(3000), "dunes.jpg": jpegBytes(3001) });
    const { code, stdout, stderr } = await dryRun(["-"], "\uFEFFbeach.jpg\r\ndunes.jpg\r\n");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Would upload album "[^"]+" \(2 files, /);
  });
});
