import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { jpegBytes } from "../helpers/media.ts";

const bed = useDropboxTestbed({ token: "messages-token", runner: "in-process" });

describe("revoke with a short id", () => {
  it.each(["ab", "abc"])("%s → exit 2: ids need at least 4 characters", async (ref) => {
    await writeFile(path.join(bed.dir, "a.jpg"), jpegBytes());
    const sent = await bed.dmshare(["send", "a.jpg", "--via", "dropbox", "--no-copy", "--json"]);
    expect(sent.code, sent.stderr).toBe(0);
    const { code, stderr } = await bed.dmshare(["revoke", ref]);
    expect(code).toBe(2);
    expect(stderr).toContain(
      `✖ Can't revoke: "${ref}" is too short: ids need at least 4 characters.`,
    );
    expect(stderr).not.toContain("not a link dmshare made");
  });

  it("4 characters of a real id still name it", async () => {
    await writeFile(path.join(bed.dir, "a.jpg"), jpegBytes());
    const sent = await bed.dmshare(["send", "a.jpg", "--via", "dropbox", "--no-copy", "--json"]);
    const id = JSON.parse(sent.stdout).id as string;
    const { code, stdout } = await bed.dmshare(["revoke", id.slice(0, 4)]);
    expect(code).toBe(0);
    expect(stdout).toContain(`Revoked ${id}`);
  });
});

describe("config list", () => {
  it("with nothing set, shows every setting's value in effect and that it is the default", async () => {
    const { code, stdout } = await bed.dmshare(["config", "list"]);
    expect(code).toBe(0);
    expect(stdout.split("\n")).toEqual([
      "provider    (none)  default: send asks at a terminal, else needs --via",
      "message     (none)  default: the preset words the message",
      "preset      casual  default",
      "metadata    strip   default: location and identifying metadata are removed",
      "copy        on      default: send copies the message to the clipboard",
      "auto-prune  on      default",
      "",
    ]);
  });

  it("names the config file a value comes from; a message set means no preset applies", async () => {
    expect((await bed.dmshare(["config", "set", "provider", "dropbox"])).code).toBe(0);
    expect((await bed.dmshare(["config", "set", "message", "Look {url}"])).code).toBe(0);
    const { stdout } = await bed.dmshare(["config", "list"]);
    const file = path.join(bed.configDir, "config.json");
    expect(stdout).toContain(`provider    dropbox     config file (${file})`);
    expect(stdout).toContain(`message     Look {url}  config file (${file})`);
    expect(stdout).toContain("preset      (none)      not used: message is set");
    // --json stays the file's settings, for scripts.
    expect(JSON.parse((await bed.dmshare(["config", "list", "--json"])).stdout)).toEqual({
      provider: "dropbox",
      message: "Look {url}",
    });
  });
});
