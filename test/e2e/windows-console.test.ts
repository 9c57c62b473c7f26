import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BIN, baseEnv, tempDir } from "../helpers/cli.ts";

let work: { dir: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  work = await tempDir();
});
afterEach(() => work.cleanup());

// Ctrl-Break in a Windows console is SIGBREAK. Linux can't send it, but node delivers a
// signal by emitting it on `process`: a preload does that once dmshare listens for it.
const PRELOAD = `
let tries = 0;
const press = () => {
  if (process.listenerCount("SIGBREAK") > 0) {
    process.emit("SIGBREAK", "SIGBREAK");
    process.emit("SIGBREAK", "SIGBREAK");
    return;
  }
  if (++tries > 10000) {
    process.stderr.write("dmshare does not listen for SIGBREAK\\n");
    process.exit(99);
  }
  setImmediate(press);
};
setImmediate(press);
`;

describe("a Windows console", () => {
  it("Ctrl-Break stops dmshare like Ctrl-C: twice quits at once with exit 130", async () => {
    const preload = path.join(work.dir, "ctrl-break.mjs");
    await writeFile(preload, PRELOAD);
    const child = spawn(
      process.execPath,
      ["--import", pathToFileURL(preload).href, BIN, "send", "-"],
      { env: baseEnv({ DMSHARE_CONFIG_DIR: work.dir }), stdio: ["pipe", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    // stdin stays open: without a stop, `send -` would wait for the list of files.
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.stdin.destroy();
    expect(stderr).not.toContain("does not listen");
    expect(code).toBe(130);
  });
});
