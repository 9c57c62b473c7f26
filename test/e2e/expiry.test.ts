// Expiry that dmshare enforces itself (Dropbox Basic, Google Drive): every command first
// revokes the links whose expiry has passed, quietly and bounded in time; `config set
// auto-prune off` turns that off. DMSHARE_NOW moves dmshare's clock (not the emulator's).

import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { type DropboxEmulator, startDropboxEmulator } from "../emulators/dropbox.ts";
import { writeFiles } from "../helpers/cli.ts";
import { jpegBytes } from "../helpers/media.ts";
import { useTestbed } from "../helpers/testbed.ts";

const TOKEN = "expiry-static-token";
const DAY = 24 * 3_600_000;
const REVOKE = "/2/sharing/revoke_shared_link";

let emulator: DropboxEmulator;
beforeEach(async () => {
  emulator = await startDropboxEmulator({ staticTokens: [TOKEN] });
  return () => emulator.close();
});
const bed = useTestbed(
  async () => ({ close: async () => {} }),
  () => ({ DMSHARE_DROPBOX_TOKEN: TOKEN }),
);
/** dmshare with its clock moved by `shiftMs` from now. */
const dmshareAt = (shiftMs: number, args: string[]) =>
  bed.dmshare(args, {
    env: {
      DMSHARE_DROPBOX_API_URL: emulator.url,
      DMSHARE_NOW: new Date(Date.now() + shiftMs).toISOString(),
    },
  });

async function sendExpiring(name: string, expires = "2d") {
  await writeFiles(bed.dir, { [name]: jpegBytes() });
  const sent = await dmshareAt(
    0,
    ["send", name, "--via", "dropbox", "--no-copy", "--json"].concat(["--expires", expires]),
  );
  expect(sent.code, sent.stderr).toBe(0);
  return JSON.parse(sent.stdout) as { id: string; url: string };
}

const requestsTo = (path: string) => emulator.requests.filter((r) => r.path === path).length;

describe("auto-prune", () => {
  it("the first command after the expiry revokes the link at Dropbox, and says so on stderr", async () => {
    const sent = await sendExpiring("soon.jpg");
    // Before the expiry: nothing is revoked, and nothing is asked of Dropbox.
    const before = emulator.requests.length;
    const early = await dmshareAt(DAY, ["list"]);
    expect(early.stderr).toBe("");
    expect(emulator.requests.length).toBe(before);
    expect(emulator.resolveSharedLink(sent.url)).not.toBeNull();

    const later = await dmshareAt(3 * DAY, ["status"]);
    expect(later.code, later.stderr).toBe(0);
    expect(later.stderr).toBe(`Revoked a link past the expiry you gave: ${sent.id} soon.jpg\n`);
    expect(emulator.resolveSharedLink(sent.url)).toBeNull();
    const listed = JSON.parse((await dmshareAt(3 * DAY, ["list", "--json", "--all"])).stdout);
    expect(listed).toEqual([expect.objectContaining({ id: sent.id, status: "revoked" })]);
  });

  it("a provider that fails does not fail the command or change its output; it is left alone for a while", async () => {
    const sent = await sendExpiring("down.jpg");
    emulator.inject({ route: REVOKE, kind: "status", status: 503, times: 100 });
    const listed = await dmshareAt(3 * DAY, ["list", "--json"]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stderr).toBe("");
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ id: sent.id, status: "overdue" }),
    ]);
    expect(emulator.resolveSharedLink(sent.url)).not.toBeNull();
    // The next commands do not try again at once: Dropbox is not asked.
    const tried = requestsTo(REVOKE);
    const again = await dmshareAt(3 * DAY, ["list"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("overdue");
    const status = await dmshareAt(3 * DAY, ["status"]);
    expect(status.stdout).toContain(
      "! A link is past its expiry and still works (dmshare list --status overdue). Run: dmshare prune",
    );
    expect(requestsTo(REVOKE)).toBe(tried);
    // Later they do, and the link goes.
    emulator.clearFaults();
    const afterwards = await dmshareAt(3 * DAY + 3_600_000, ["list", "--all"]);
    expect(afterwards.stderr).toContain(`Revoked a link past the expiry you gave: ${sent.id}`);
    expect(emulator.resolveSharedLink(sent.url)).toBeNull();
  });

  it("a provider that does not answer holds the command only briefly; --verbose says why the link is left", async () => {
    const sent = await sendExpiring("slow.jpg");
    // Far longer than the test's own time limit: the command must not wait for it.
    emulator.inject({ route: REVOKE, kind: "latency", ms: 120_000 });
    const listed = await dmshareAt(3 * DAY, ["list", "--verbose"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(sent.id);
    expect(listed.stdout).toContain("overdue");
    expect(listed.stderr).toMatch(
      /Could not revoke a link past its expiry now \(no answer within \d+ s\)/,
    );
  });

  it("is not run by config, login, completion, prune's help or --version; auto-prune off turns it off", async () => {
    const sent = await sendExpiring("kept.jpg");
    const before = emulator.requests.length;
    const run = async (args: string[]) => {
      const result = await dmshareAt(3 * DAY, args);
      expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(0);
    };
    for (const args of [
      ["config", "get", "provider"],
      ["completion", "bash"],
      ["prune", "--help"],
      ["--version"],
      ["revoke", "--expired", "--dry-run"],
      ["--help"],
    ]) {
      await run(args);
    }
    expect(emulator.requests.slice(before).map((r) => r.path)).not.toContain(REVOKE);
    await run(["config", "set", "auto-prune", "off"]);
    await run(["list"]);
    await run(["status"]);
    expect(emulator.requests.slice(before).map((r) => r.path)).not.toContain(REVOKE);
    expect(emulator.resolveSharedLink(sent.url)).not.toBeNull();
    // Turned on again, the next command revokes it.
    expect((await dmshareAt(3 * DAY, ["config", "set", "auto-prune", "on"])).code).toBe(0);
    await dmshareAt(3 * DAY, ["list"]);
    expect(emulator.resolveSharedLink(sent.url)).toBeNull();
  });

  it("refuses an auto-prune setting other than on or off", async () => {
    const result = await dmshareAt(0, ["config", "set", "auto-prune", "maybe"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"maybe" is not an auto-prune setting.');
  });
});

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
