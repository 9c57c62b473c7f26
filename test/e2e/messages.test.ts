import { execFileSync, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { BIN, runCli, writeFiles } from "../helpers/cli.ts";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { jpegBytes } from "../helpers/media.ts";

// The scripting contract through the built binary with real pipes: a reader that stops
// early, no colour on a pipe, and the shell completion scripts as a shell loads them.
// Messages, QR codes and passwords run in-process: test/integration/messages.test.ts.
const TOKEN = "messages-token";
const bed = useDropboxTestbed({ token: TOKEN });
const { dmshare } = bed;
const ANSI = "\u001b[";

async function send(args: string[], options: { env?: Record<string, string | undefined> } = {}) {
  await writeFiles(bed.dir, { "beach.jpg": jpegBytes() });
  return dmshare(["send", ...args, "--via", "dropbox", "--no-copy"], options);
}

describe("no terminal, no questions", () => {
  it("a reader that stops early (| head, | true) ends dmshare quietly with exit 0", async () => {
    for (const reader of ["head -1", "true"]) {
      const script = `set -o pipefail; "${process.execPath}" "${BIN}" completion zsh | ${reader} >/dev/null`;
      const result = spawnSync("bash", ["-c", script], { encoding: "utf8" });
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
    }
  });

  it("no ANSI escape reaches a pipe: send, list, status (and with NO_COLOR)", async () => {
    for (const env of [{}, { NO_COLOR: "1" }]) {
      const sent = await send(["beach.jpg", "--qr"], { env });
      const list = await dmshare(["list"], { env });
      const status = await dmshare(["status"], { env });
      for (const result of [sent, list, status]) {
        expect(result.code).toBe(0);
        expect(result.stdout + result.stderr).not.toContain(ANSI);
      }
      expect(status.stdout).toContain("✔ Dropbox: logged in");
    }
  });
});

describe("dmshare completion", () => {
  it("bash: completes commands, options, providers, presets and files", async () => {
    await writeFiles(bed.dir, { "beach.jpg": jpegBytes() });
    const complete = (words: string[]) =>
      execFileSync(
        "bash",
        [
          "-c",
          `source <("${process.execPath}" "${BIN}" completion bash)
COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _dmshare; printf '%s\\n' "\${COMPREPLY[@]}"`,
          "bash",
          ...words,
        ],
        { cwd: bed.dir, encoding: "utf8" },
      )
        .split("\n")
        .filter(Boolean);
    expect(complete(["dmshare", "se"])).toEqual(["send"]);
    expect(complete(["dmshare", "send", "--via", ""])).toEqual([
      "dropbox",
      "gdrive",
      "gphotos",
      "onedrive",
    ]);
    expect(complete(["dmshare", "send", "--pre"])).toEqual(["--preset"]);
    expect(complete(["dmshare", "send", "--preset", "f"])).toEqual(["friendly"]);
    expect(complete(["dmshare", "send", "--via", "dropbox", "be"])).toEqual(["beach.jpg"]);
    expect(complete(["dmshare", "login", ""])).toEqual([
      "dropbox",
      "gdrive",
      "gphotos",
      "onedrive",
    ]);
    expect(complete(["dmshare", "list", "--status", "a"])).toEqual(["active"]);
    expect(complete(["dmshare", "config", "set", "pr"])).toEqual(["provider", "preset"]);
    expect(complete(["dmshare", "completion", ""])).toEqual(["bash", "zsh", "fish", "powershell"]);
  });

  it.each(["zsh", "fish"])(
    "%s: a script naming every command and send's options",
    async (shell) => {
      const { code, stdout } = await runCli(["completion", shell]);
      expect(code).toBe(0);
      const commands = ["send", "list", "revoke", "login", "logout", "status", "config"];
      const options = ["via", "preset", "qr"].map((name) =>
        shell === "fish" ? `-l ${name}` : `--${name}`,
      );
      for (const word of [...commands, ...options, "dropbox gdrive gphotos"]) {
        expect(stdout).toContain(word);
      }
      // From a file: fish 3.6 refuses a script on a pipe ("Unable to read input file").
      const [script = ""] = await writeFiles(bed.dir, { [`dmshare.${shell}`]: stdout });
      if (hasCommand(shell)) execFileSync(shell, ["-n", script]);
    },
  );

  it("an unknown shell is exit 2", async () => {
    const { code, stderr } = await runCli(["completion", "tcsh"]);
    expect(code).toBe(2);
    expect(stderr).toContain("Shells: bash, zsh, fish, powershell");
  });
});

function hasCommand(name: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
