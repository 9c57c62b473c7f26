import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { didYouMean, similarTo } from "../../src/lib/suggest.ts";
import { run } from "../../src/main.ts";
import { credentialStoreChoice } from "../../src/store/keychain.ts";
import { tempDir } from "../helpers/cli.ts";
import { testContext } from "../helpers/context.ts";

let work: { dir: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  work = await tempDir();
});
afterEach(() => work.cleanup());

async function dmshare(args: string[], env: Record<string, string> = {}) {
  const test = testContext({ configDir: work.dir, cwd: work.dir, env });
  const code = await run(args, test.ctx);
  return { code, stdout: test.stdout(), stderr: test.stderr() };
}

describe("did you mean", () => {
  it("names the closest candidates, and nothing when none is close", () => {
    expect(similarTo("dropbx", ["dropbox", "gdrive", "gphotos"])).toEqual(["dropbox"]);
    expect(similarTo("DROPBX", ["dropbox"])).toEqual(["dropbox"]);
    expect(similarTo("zzzzzz", ["dropbox", "gdrive"])).toEqual([]);
    expect(similarTo("", ["dropbox"])).toEqual([]);
    expect(didYouMean("frendly", ["casual", "friendly"])).toBe("Did you mean friendly? ");
    expect(didYouMean("of", ["on", "off"])).toBe("Did you mean one of on, off? ");
    expect(didYouMean("qqq", ["casual"])).toBe("");
  });

  // Every closed set of values a user types, answered as a typo in a command is (issue 17).
  it.each([
    [["list", "--provider", "dropbx"], "Did you mean dropbox?"],
    [["sync", "--provider", "gphoto"], "Did you mean gphotos?"],
    [["login", "dropbx"], "Did you mean dropbox?"],
    [["logout", "googel"], "Did you mean google?"],
    [["list", "--status", "activ"], "Did you mean active?"],
    [["config", "get", "provder"], "Did you mean provider?"],
    [["config", "set", "preset", "frendly"], "Did you mean friendly?"],
    [["config", "set", "metadata", "stirp"], "Did you mean strip?"],
    [["config", "set", "auto-prune", "of"], "Did you mean one of on, off?"],
    [["config", "set", "provider", "dropbx"], "Did you mean dropbox?"],
    [["completion", "bassh"], "Did you mean bash?"],
    [["help", "enviroment"], "Did you mean environment?"],
  ])("dmshare %j → exit 2, %s", async (args, suggestion) => {
    const { code, stderr } = await dmshare(args);
    expect(stderr).toContain(suggestion);
    expect(code).toBe(2);
  });

  it("--via, --preset and --convert on send", async () => {
    await import("node:fs/promises").then((fs) =>
      fs.writeFile(`${work.dir}/x.jpg`, Buffer.from([0xff, 0xd8, 0xff, 0xd9])),
    );
    const via = await dmshare(["send", "x.jpg", "--via", "dropbx"]);
    expect(via.stderr).toContain("Did you mean dropbox?");
    expect(via.code).toBe(2);
    const preset = await dmshare(["send", "x.jpg", "--via", "dropbox", "--preset", "frendly"]);
    expect(preset.stderr).toContain("Did you mean friendly?");
    expect(preset.code).toBe(2);
    const convert = await dmshare(["send", "x.jpg", "--via", "dropbox", "--convert", "jpge"]);
    expect(convert.stderr).toContain("Did you mean");
    expect(convert.code).toBe(2);
  });

  it("DMSHARE_CREDENTIAL_STORE", () => {
    expect(() => credentialStoreChoice("keychian")).toThrow(/keychian/);
    try {
      credentialStoreChoice("keychian");
    } catch (error) {
      expect((error as { hint: string }).hint).toContain("Did you mean keychain?");
    }
  });
});
