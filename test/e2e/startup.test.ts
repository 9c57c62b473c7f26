import { describe, expect, it } from "vitest";
import { runCli, tempDir } from "../helpers/cli.ts";

// Start-up time is measured by `npm run bench`; this only keeps the heavy built-in modules out
// of commands that don't use them, which is where that time went.
const REPORT_BUILTINS = `data:text/javascript,${encodeURIComponent(
  `process.on("exit", () => process.stderr.write("\\nbuiltins " + JSON.stringify(process.moduleLoadList) + "\\n"));`,
)}`;
const NOT_AT_START = ["crypto", "readline", "zlib", "http", "https"];

describe("start-up", () => {
  it.each([["--version"], ["--help"], ["list"], ["send", "--help"]])(
    "dmshare %s loads none of crypto, readline, zlib, http(s)",
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
