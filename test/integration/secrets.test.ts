import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_CLIENT_ID } from "../emulators/dropbox.ts";
import type { CliResult } from "../helpers/cli.ts";
import { writeFiles } from "../helpers/cli.ts";
import { type DropboxTestbed, useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import type { GoogleTestbed } from "../helpers/google-testbed.ts";
import { jpegBytes } from "../helpers/media.ts";

// Known tokens are planted, then every command runs with --verbose and DMSHARE_DEBUG, in
// success and in failure (a rejected token, a server error, a cut connection, an expired
// token refreshed). No token may appear in stdout, stderr, or any file dmshare wrote outside
// the credential store. Dropbox in-process here; Google through the built binary in
// test/e2e/secrets.test.ts, so what a process of its own prints is covered too.

interface Secrets {
  /** Every token that must never be shown: planted ones and those refreshed on the way. */
  all(): Promise<string[]>;
}

/** Every file under `dir`, except the credential store itself. */
async function writtenFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const file = path.join(entry.parentPath, entry.name);
    if (entry.isFile() && entry.name !== "credentials.json") found.push(file);
  }
  return found;
}

async function expectNoSecrets(
  bed: DropboxTestbed | GoogleTestbed,
  secrets: Secrets,
  runs: [string, CliResult][],
) {
  const tokens = await secrets.all();
  expect(tokens.length).toBeGreaterThanOrEqual(3);
  let checked = 0;
  for (const [command, result] of runs) {
    for (const token of tokens) {
      expect(result.stdout, `stdout of ${command}`).not.toContain(token);
      expect(result.stderr, `stderr of ${command}`).not.toContain(token);
      checked++;
    }
  }
  for (const file of await writtenFiles(bed.dir)) {
    if ((await stat(file)).size > 10_000_000) continue;
    const text = await readFile(file, "latin1");
    for (const token of tokens) expect(text, file).not.toContain(token);
    checked++;
  }
  expect(checked).toBeGreaterThan(runs.length);
}

/** Runs each command with --verbose and DMSHARE_DEBUG, keeping what it printed. */
function recorder(bed: DropboxTestbed | GoogleTestbed, env: Record<string, string | undefined>) {
  const runs: [string, CliResult][] = [];
  const run = async (args: string[], extra: Record<string, string | undefined> = {}) => {
    const result = await bed.dmshare([...args, "--verbose"], {
      env: { DMSHARE_DEBUG: "1", ...env, ...extra },
    });
    runs.push([args.join(" "), result]);
    return result;
  };
  return { runs, run };
}

describe("Dropbox: no token is ever shown or written outside the credential store", () => {
  const bed = useDropboxTestbed({ token: "planted-static-dropbox-token", runner: "in-process" });

  it("across every command, in success and failure", async () => {
    const { accessToken, refreshToken } = bed.emulator.issueAccessToken();
    const credentials = path.join(bed.configDir, "credentials.json");
    const secrets: Secrets = {
      all: async () => {
        const stored = JSON.parse(await readFile(credentials, "utf8")).dropbox ?? {};
        return [
          "planted-static-dropbox-token",
          accessToken,
          refreshToken,
          stored.accessToken,
          stored.refreshToken,
        ].filter((token): token is string => Boolean(token));
      },
    };
    await writeFiles(bed.dir, { "a.jpg": jpegBytes(), "b.jpg": jpegBytes(), "c.jpg": jpegBytes() });
    await mkdir(bed.configDir, { recursive: true });
    await writeFile(
      credentials,
      JSON.stringify({ dropbox: { accessToken, refreshToken, clientId: DEFAULT_CLIENT_ID } }),
      { mode: 0o600 },
    );
    const { runs, run } = recorder(bed, { DMSHARE_DROPBOX_TOKEN: undefined });

    expect((await run(["status"])).code).toBe(0);
    expect((await run(["status", "--json"])).code).toBe(0);
    expect((await run(["config", "set", "provider", "dropbox"])).code).toBe(0);
    expect((await run(["config", "list"])).code).toBe(0);
    const sent = await run(["send", "a.jpg", "--json", "--no-copy"]);
    expect(sent.code).toBe(0);
    expect((await run(["send", "b.jpg", "c.jpg", "--album", "Two", "--no-copy"])).code).toBe(0);
    bed.emulator.expireAccessTokens();
    expect((await run(["send", "b.jpg", "--each", "--no-copy", "--new-link"])).code).toBe(0);
    expect((await run(["list"])).code).toBe(0);
    expect((await run(["list", "--json", "--all"])).code).toBe(0);
    expect((await run(["sync", "--json"])).code).toBe(0);
    bed.emulator.inject({
      route: "/2/sharing/revoke_shared_link",
      kind: "status",
      status: 500,
      times: 50,
    });
    expect((await run(["revoke", JSON.parse(sent.stdout).id])).code).toBe(4);
    bed.emulator.clearFaults();
    bed.emulator.inject({ route: "/2/files/upload", kind: "cut", afterBodyBytes: 0, times: 50 });
    expect((await run(["send", "c.jpg", "--no-copy", "--new-link"])).code).toBe(4);
    bed.emulator.clearFaults();
    expect((await run(["revoke", "--all", "--yes"])).code).toBe(0);
    expect((await run(["prune"])).code).toBe(0);
    const rejected = await run(["send", "a.jpg", "--no-copy"], {
      DMSHARE_DROPBOX_TOKEN: "planted-rejected-dropbox-token",
    });
    expect(rejected.code).toBe(3);
    expect(rejected.stderr).toContain("DMSHARE_DROPBOX_TOKEN");
    const fresh = bed.emulator.issueAccessToken();
    expect((await run(["login", "dropbox", "--token", fresh.accessToken])).code).toBe(0);
    bed.emulator.revokeRefreshTokens();
    expect((await run(["logout", "dropbox"])).code).toBe(0);

    await expectNoSecrets(
      bed,
      {
        all: async () => [
          ...(await secrets.all()),
          "planted-rejected-dropbox-token",
          fresh.accessToken,
        ],
      },
      runs,
    );
  }, 120_000);
});
