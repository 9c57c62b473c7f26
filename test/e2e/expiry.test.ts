// The prune timer through the built binary: `prune --install` writes the user's crontab (a
// fake one in the test's HOME) with the command line of this very dmshare. The rest of expiry
// (auto-prune) runs in-process: test/integration/expiry.test.ts.

import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { type DropboxEmulator, startDropboxEmulator } from "../emulators/dropbox.ts";
import { writeFiles } from "../helpers/cli.ts";
import { jpegBytes } from "../helpers/media.ts";
import { useTestbed } from "../helpers/testbed.ts";

const TOKEN = "expiry-static-token";

let emulator: DropboxEmulator;
beforeEach(async () => {
  emulator = await startDropboxEmulator({ staticTokens: [TOKEN] });
  return () => emulator.close();
});
const bed = useTestbed(
  async () => ({ close: async () => {} }),
  () => ({ DMSHARE_DROPBOX_TOKEN: TOKEN }),
);

describe("prune --install", () => {
  /**
   * A machine of the test's own: HOME in the test's folder, no systemd user session, and a
   * `crontab` that keeps the table in a file there (the real crontab is never touched).
   */
  async function fakeMachine({ storedLogin = true } = {}) {
    const bin = path.join(bed.dir, "bin");
    const home = path.join(bed.dir, "home");
    const table = path.join(bed.dir, "crontab.txt");
    await mkdir(bin, { recursive: true });
    await mkdir(home, { recursive: true });
    const scripts = {
      crontab: `#!/bin/sh
if [ "$1" = "-l" ]; then
  if [ -f "$FAKE_CRONTAB" ]; then cat "$FAKE_CRONTAB"; exit 0; fi
  echo "no crontab for $USER" >&2; exit 1
fi
if [ "$1" = "-" ]; then cat > "$FAKE_CRONTAB"; exit 0; fi
exit 2
`,
      systemctl: `#!/bin/sh
echo "Failed to connect to bus: No medium found" >&2
exit 1
`,
    };
    for (const [name, text] of Object.entries(scripts)) {
      await writeFile(path.join(bin, name), text);
      await chmod(path.join(bin, name), 0o755);
    }
    const env = {
      DMSHARE_DROPBOX_API_URL: emulator.url,
      HOME: home,
      PATH: `${bin}:${process.env.PATH}`,
      FAKE_CRONTAB: table,
    };
    if (storedLogin) {
      // The timer gets no token from the environment: the login must be stored.
      const login = await bed.dmshare(["login", "dropbox", "--token", "-"], { env, stdin: TOKEN });
      expect(login.code, login.stderr).toBe(0);
      Object.assign(env, { DMSHARE_DROPBOX_TOKEN: "" });
    }
    return {
      run: (args: string[]) => bed.dmshare(args, { env }),
      crontab: () => readFile(table, "utf8").catch(() => null),
      table,
    };
  }

  it("installs an hourly crontab line (no systemd here), which status shows and --uninstall removes", async () => {
    const machine = await fakeMachine();
    await writeFile(machine.table, "0 5 * * * backup\n");
    const before = await machine.run(["status"]);
    expect(before.stdout).toContain("Expiry: no prune timer installed");

    const installed = await machine.run(["prune", "--install"]);
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stderr).toContain("Installed an hourly crontab line");
    const table = (await machine.crontab()) ?? "";
    const lines = table.trimEnd().split("\n");
    expect(lines[0]).toBe("0 5 * * * backup");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(
      /^17 \* \* \* \* DMSHARE_CONFIG_DIR='[^']+' '[^']+node[^']*' '[^']+dmshare\.js' 'prune' '--yes' >>'[^']+prune\.log' 2>&1 # dmshare-prune/,
    );
    expect(table).not.toContain("expiry-static-token");

    const status = await machine.run(["status"]);
    expect(status.stdout).toContain("Expiry: an hourly crontab line (crontab -l shows it) revokes");

    // With the timer, the date is a promise kept: the message says it, the notice says how.
    await writeFiles(bed.dir, { "dated.jpg": jpegBytes() });
    const sent = await machine.run([
      "send",
      "dated.jpg",
      "--via",
      "dropbox",
      "--expires",
      "2d",
      "--no-copy",
      "--json",
    ]);
    expect(sent.code, sent.stderr).toBe(0);
    expect(JSON.parse(sent.stdout).message).toMatch(
      /^Here's the photo \(the link works until .+\): https:/,
    );
    expect(sent.stderr).toMatch(
      /won't expire this link on this account: dmshare revokes it within the hour after .*, with an hourly crontab line/,
    );

    const removed = await machine.run(["prune", "--uninstall"]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stderr).toContain("Removed the dmshare prune timer (cron)");
    expect(await machine.crontab()).toBe("0 5 * * * backup\n");
    expect((await machine.run(["status"])).stdout).toContain("Expiry: no prune timer installed");
    const again = await machine.run(["prune", "--uninstall"]);
    expect(again.stderr).toContain("No dmshare prune timer was installed");
  });

  it("a login only in DMSHARE_DROPBOX_TOKEN: --install says the timer can't use it, and the message promises no date", async () => {
    const machine = await fakeMachine({ storedLogin: false });
    const installed = await machine.run(["prune", "--install"]);
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stderr).toContain(
      "The timer can't revoke your dropbox links: that login is only in DMSHARE_DROPBOX_TOKEN",
    );
    expect(installed.stderr).toContain("dmshare login dropbox");
    expect(installed.stderr).not.toContain(TOKEN);
    await writeFiles(bed.dir, { "envonly.jpg": jpegBytes() });
    const sent = await machine.run([
      "send",
      "envonly.jpg",
      "--via",
      "dropbox",
      "--expires",
      "2d",
      "--no-copy",
      "--json",
    ]);
    expect(sent.code, sent.stderr).toBe(0);
    expect(JSON.parse(sent.stdout).message).not.toContain("works until");
    expect(sent.stderr).toContain("the prune timer can't use your Dropbox login");
    expect(sent.stderr).toContain("So the message does not say until when it works.");
  });

  it("a timer installed for another config folder does not count for this one", async () => {
    const machine = await fakeMachine();
    const other = path.join(bed.dir, "other-config");
    const installed = await bed.dmshare(["prune", "--install"], {
      env: {
        HOME: path.join(bed.dir, "home"),
        PATH: `${path.join(bed.dir, "bin")}:${process.env.PATH}`,
        FAKE_CRONTAB: machine.table,
        DMSHARE_CONFIG_DIR: other,
      },
    });
    expect(installed.code, installed.stderr).toBe(0);
    const status = await machine.run(["status"]);
    expect(status.stdout).toContain(`prunes another config folder (${other}), not this one`);
    await writeFiles(bed.dir, { "elsewhere.jpg": jpegBytes() });
    const sent = await machine.run([
      "send",
      "elsewhere.jpg",
      "--via",
      "dropbox",
      "--expires",
      "2d",
      "--no-copy",
      "--json",
    ]);
    expect(sent.code, sent.stderr).toBe(0);
    expect(JSON.parse(sent.stdout).message).not.toContain("works until");
    expect(sent.stderr).toContain("is for another config folder");
  });

  it("without a timer, a message template that names {expires} is refused before uploading", async () => {
    const machine = await fakeMachine();
    await writeFiles(bed.dir, { "promise.jpg": jpegBytes() });
    const before = emulator.requests.length;
    const refused = await machine.run([
      "send",
      "promise.jpg",
      "--via",
      "dropbox",
      "--expires",
      "2d",
      "--no-copy",
      "--message",
      "Look {url} (until {expires})",
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("nothing would end it then");
    expect(refused.stderr).toContain("dmshare prune --install");
    expect(emulator.requests.slice(before).map((r) => r.path)).not.toContain("/2/files/upload");
  });
});
