import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_CLIENT_ID } from "../emulators/dropbox.ts";
import { writeFiles } from "../helpers/cli.ts";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { jpegBytes } from "../helpers/media.ts";
import { expectNoSecrets, recorder, type Secrets } from "../helpers/secrets.ts";

// Known tokens are planted, then every command runs with --verbose and DMSHARE_DEBUG, in
// success and in failure (a rejected token, a server error, a cut connection, an expired
// token refreshed). No token may appear in stdout, stderr, or any file dmshare wrote outside
// the credential store. Dropbox in-process here; Google through the built binary in
// test/e2e/secrets.test.ts, so what a process of its own prints is covered too.

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
