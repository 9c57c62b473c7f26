import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../../src/main.ts";
import { freePort } from "../helpers/cli.ts";
import { testContext } from "../helpers/context.ts";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { sourceTexts } from "../helpers/sources.ts";

const bed = useDropboxTestbed({ runner: "in-process" });

describe("login and logout without a provider, off a terminal", () => {
  it.each([
    ["login", "log in to"],
    ["logout", "log out of"],
  ])("%s names the real commands to run (exit 2)", async (command, action) => {
    const { code, stderr } = await bed.dmshare([command]);
    expect(code).toBe(2);
    expect(stderr).toBe(
      `✖ Missing the provider to ${action}.\n  Name one: dmshare ${command} dropbox, dmshare ${command} gdrive, dmshare ${command} gphotos or dmshare ${command} onedrive\n`,
    );
  });
});

describe("login's browser step", () => {
  /** `dmshare login dropbox` whose browser can't be opened, giving up after 0.2 s. */
  async function loginWithoutBrowser(extra: string[]) {
    const port = await freePort();
    const test = testContext({ env: bed.env(), cwd: bed.dir });
    const ctx = { ...test.ctx, openUrl: () => Promise.reject(new Error("no xdg-open")) };
    const args = ["login", "dropbox", "--app-key", "k3y", "--port", String(port), ...extra];
    const code = await run([...args, "--timeout", "0.2"], ctx);
    return { code, stderr: test.stderr() };
  }

  it("says no browser could be opened, prints the URL, and that it waits (Ctrl-C cancels)", async () => {
    const { code, stderr } = await loginWithoutBrowser([]);
    expect(stderr).toMatch(
      /^Couldn't open a browser here\. Open this page to log in to Dropbox:\n {2}http:\/\/127\.0\.0\.1:\d+\/oauth2\/authorize\?\S+\nWaiting for the browser… \(Ctrl-C cancels; dmshare gives up after 0\.2 s\)\n/,
    );
    expect(code).toBe(3);
  });

  it("with --no-browser it only says where to go, and waits", async () => {
    const { stderr } = await loginWithoutBrowser(["--no-browser"]);
    expect(stderr).toMatch(/^Open this page to log in to Dropbox:\n/);
    expect(stderr).toContain("Waiting for the browser… (Ctrl-C cancels;");
  });
});

describe("status with a token the provider rejects", () => {
  it("says the variable's token was rejected and to replace or unset it, as send does", async () => {
    const env = { DMSHARE_DROPBOX_TOKEN: "not-a-token" };
    const { code, stdout } = await bed.dmshare(["status"], { env });
    expect(code).toBe(3);
    const [line, hint] = stdout.split("\n");
    expect(line).toBe(
      "✖ Dropbox: the token from DMSHARE_DROPBOX_TOKEN was rejected. Dropbox rejected dmshare's login while trying to read your account (invalid_access_token).",
    );
    expect(hint).toBe(
      "  DMSHARE_DROPBOX_TOKEN holds a token Dropbox does not accept: replace it, or unset it and run: dmshare login dropbox",
    );
    expect(stdout).not.toContain(".;");
    // send gives the same next step.
    await import("node:fs/promises").then((fs) =>
      fs.writeFile(path.join(bed.dir, "a.jpg"), Buffer.from([0xff, 0xd8, 0xff, 0xd9])),
    );
    const send = await bed.dmshare(["send", "a.jpg", "--via", "dropbox", "--no-copy"], { env });
    expect(send.stderr).toContain(hint?.trim());
  });
});

describe("the README sections messages point to", () => {
  it("exist, word for word", async () => {
    const readme = await readFile(path.join(import.meta.dirname, "../../README.md"), "utf8");
    const headings = new Set(
      [...readme.matchAll(/^#+ (.+)$/gm)].map(([, heading = ""]) => heading.trim()),
    );
    const named = new Set<string>();
    for (const text of await sourceTexts()) {
      for (const [, section = ""] of text.matchAll(/README[,:]? \(?"([^"\n]+)"/g))
        named.add(section);
      for (const [, section = ""] of text.matchAll(/"([^"\n]+)" in the README/g))
        named.add(section);
    }
    expect(named).toContain("Connect Dropbox");
    expect(named).toContain("Connect Google Drive (and Google Photos)");
    expect([...named].filter((section) => !headings.has(section))).toEqual([]);
  });
});
