import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_CLIENT } from "../emulators/google.ts";
import { writeFiles } from "../helpers/cli.ts";
import { useGoogleTestbed } from "../helpers/google-testbed.ts";
import { jpegBytes } from "../helpers/media.ts";
import { expectNoSecrets, recorder, type Secrets } from "../helpers/secrets.ts";

// Known tokens are planted, then every command runs with --verbose and DMSHARE_DEBUG, in
// success and in failure (a rejected token, a server error, a cut connection, an expired
// token refreshed). No token may appear in stdout, stderr, or any file dmshare wrote outside
// the credential store. Google through the built binary here; Dropbox in-process in
// test/integration/secrets.test.ts.

describe("Google: no token is ever shown or written outside the credential store", () => {
  const bed = useGoogleTestbed({ token: "planted-static-google-token" });

  it("across every command, in success and failure", async () => {
    const { accessToken, refreshToken } = bed.emulator.issueAccessToken();
    const credentials = path.join(bed.configDir, "credentials.json");
    const stored = { accessToken, refreshToken, ...DEFAULT_CLIENT };
    await mkdir(bed.configDir, { recursive: true });
    await writeFile(credentials, JSON.stringify({ gdrive: stored, gphotos: stored }), {
      mode: 0o600,
    });
    const secrets: Secrets = {
      all: async () => {
        const now = JSON.parse(await readFile(credentials, "utf8").catch(() => "{}"));
        return [
          "planted-static-google-token",
          "planted-rejected-google-token",
          accessToken,
          refreshToken,
          DEFAULT_CLIENT.clientSecret,
          now.gdrive?.accessToken,
          now.gphotos?.accessToken,
        ].filter((token): token is string => Boolean(token));
      },
    };
    await writeFiles(bed.dir, { "a.jpg": jpegBytes(), "b.jpg": jpegBytes() });
    const { runs, run } = recorder(bed, {
      DMSHARE_GDRIVE_TOKEN: undefined,
      DMSHARE_GPHOTOS_TOKEN: undefined,
    });

    expect((await run(["status", "--json"])).code).toBe(0);
    const sent = await run(["send", "a.jpg", "--via", "gdrive", "--json", "--no-copy"]);
    expect(sent.code).toBe(0);
    bed.emulator.expireAccessTokens();
    expect((await run(["send", "a.jpg", "b.jpg", "--via", "gphotos", "--no-copy"])).code).toBe(0);
    expect((await run(["list", "--all"])).code).toBe(0);
    expect((await run(["sync"])).code).toBe(0);
    bed.emulator.inject({ kind: "status", status: 500, route: /\/permissions/, times: 50 });
    expect((await run(["revoke", JSON.parse(sent.stdout).id])).code).toBe(4);
    bed.emulator.clearFaults();
    expect((await run(["revoke", JSON.parse(sent.stdout).id, "--delete-files"])).code).toBe(0);
    const rejected = await run(["send", "a.jpg", "--via", "gdrive", "--no-copy"], {
      DMSHARE_GDRIVE_TOKEN: "planted-rejected-google-token",
    });
    expect(rejected.code).toBe(3);
    bed.emulator.revokeRefreshTokens();
    bed.emulator.expireAccessTokens();
    expect((await run(["send", "b.jpg", "--via", "gdrive", "--no-copy"])).code).toBe(3);
    expect((await run(["logout", "gdrive"])).code).toBe(0);

    await expectNoSecrets(bed, secrets, runs);
  }, 120_000);
});
