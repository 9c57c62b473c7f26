import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, runCli, tempDir } from "../helpers/cli.ts";

// Start-up time is measured by `npm run bench`; this only keeps the heavy built-in modules out
// of commands that don't use them, which is where that time went.
const REPORT_BUILTINS = `data:text/javascript,${encodeURIComponent(
  `process.on("exit", () => process.stderr.write("\\nbuiltins " + JSON.stringify(process.moduleLoadList) + "\\n"));`,
)}`;
const NOT_AT_START = [
  "crypto",
  "readline",
  "zlib",
  "http",
  "https",
  // Imported by commander and chalk as they load, and not needed (scripts/build.ts shims);
  // the last two came from `import process from "node:process"`.
  "child_process",
  "dgram",
  "tty",
  "process",
  "internal/process/report",
];

describe("start-up", () => {
  it.each([["--version"], ["--help"], ["list"], ["send", "--help"]])(
    "dmshare %s loads none of crypto, readline, zlib, http(s), child_process, tty",
    async (...args) => {
      const config = await tempDir();
      try {
        const { code, stderr } = await runCli(args, {
          env: { DMSHARE_CONFIG_DIR: config.dir, NODE_OPTIONS: `--import=${REPORT_BUILTINS}` },
        });
        expect(code).toBe(0);
        const report = stderr.split("\n").find((line) => line.startsWith("builtins "));
        const loaded = JSON.parse(report?.slice("builtins ".length) ?? "[]") as string[];
        expect(loaded).toContain("NativeModule fs");
        for (const name of NOT_AT_START) expect(loaded).not.toContain(`NativeModule ${name}`);
      } finally {
        await config.cleanup();
      }
    },
  );
});

describe("a clone that was not built", () => {
  it("says to run npm run build instead of a module-not-found stack (exit 1)", async () => {
    const clone = await tempDir();
    try {
      const bin = path.join(clone.dir, "bin", "dmshare.js");
      await mkdir(path.dirname(bin));
      await copyFile(BIN, bin);
      const { code, stdout, stderr } = await runCli(["--version"], { bin });
      expect(code).toBe(1);
      expect(stdout).toBe("");
      expect(stderr).toBe(
        `✖ dmshare is not built: ${path.join(clone.dir, "dist", "main.js")} is missing.\n` +
          "  In the clone, run: npm install && npm run build\n",
      );
    } finally {
      await clone.cleanup();
    }
  });
});
