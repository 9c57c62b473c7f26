import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir, writeFiles } from "../helpers/cli.ts";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { jpegBytes } from "../helpers/media.ts";

// Credentials in the OS keychain, for real: a private D-Bus session with gnome-keyring's
// Secret Service (Debian's gnome-keyring and dbus packages; .ci/run installs them), and the
// 0600 file where there is no keychain.

const TOKEN = "keychain-dropbox-token";
const bed = useDropboxTestbed({ token: TOKEN });

interface SecretService {
  busAddress: string;
  stop(): Promise<void>;
}

/**
 * A private D-Bus session with gnome-keyring's Secret Service, keeping its keyrings in a
 * fresh XDG_DATA_HOME. `unlocked`: the login keyring is made and unlocked, as a desktop
 * login does; otherwise the daemon runs with no keyring it may write to without a prompt.
 */
async function startSecretService(unlocked: boolean): Promise<SecretService> {
  const keyrings = await tempDir("dmshare-keyrings-");
  const daemon = unlocked
    ? "printf test | gnome-keyring-daemon --unlock --components=secrets"
    : "gnome-keyring-daemon --start --components=secrets";
  const session: ChildProcess = spawn(
    "dbus-run-session",
    [
      "--",
      "sh",
      "-c",
      `${daemon} >/dev/null && echo "$DBUS_SESSION_BUS_ADDRESS" && exec sleep 600`,
    ],
    {
      stdio: ["ignore", "pipe", "inherit"],
      detached: true,
      env: { ...process.env, XDG_DATA_HOME: keyrings.dir, DISPLAY: "" },
    },
  );
  const lines = createInterface({ input: session.stdout as NodeJS.ReadableStream });
  const busAddress = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    session.once("exit", (code) => reject(new Error(`no Secret Service session (exit ${code})`)));
  });
  expect(busAddress, "dbus-run-session and gnome-keyring-daemon are needed").toMatch(/^unix:/);
  return {
    busAddress,
    stop: async () => {
      if (session.pid) process.kill(-session.pid, "SIGTERM");
      await keyrings.cleanup();
    },
  };
}

let service: SecretService | undefined;
let busAddress = "";

beforeAll(async () => {
  service = await startSecretService(true);
  busAddress = service.busAddress;
});

afterAll(() => service?.stop());

/** dmshare with the keychain's session bus, as in a desktop session. */
const withKeychain = (args: string[], extra: Record<string, string | undefined> = {}) =>
  bed.dmshare(args, {
    env: { DMSHARE_DROPBOX_TOKEN: undefined, DBUS_SESSION_BUS_ADDRESS: busAddress, ...extra },
    stdin: args.includes("--token") ? `${TOKEN}\n` : undefined,
  });

/** What the keychain itself holds for an account, read by another program. */
async function keychainSecret(account: string): Promise<string | null> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      "-e",
      `const { Entry } = require("@napi-rs/keyring");
       process.stdout.write(JSON.stringify(new Entry("dmshare", process.argv[1]).getPassword() ?? null));`,
      account,
    ],
    { env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: busAddress }, cwd: process.cwd() },
  );
  return JSON.parse(stdout);
}

const credentialsFile = () => path.join(bed.configDir, "credentials.json");
const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

describe("with a keychain", () => {
  it("login stores the token in the keychain, not in a file; send uses it; logout removes it", async () => {
    expect((await withKeychain(["login", "dropbox", "--token", "-"])).code).toBe(0);
    const account = `dropbox:${bed.configDir}`;
    expect(JSON.parse((await keychainSecret(account)) ?? "{}")).toMatchObject({
      accessToken: TOKEN,
    });
    expect(await exists(credentialsFile())).toBe(false);

    const status = await withKeychain(["status"]);
    expect(status.stdout).toContain(
      `credentials in the keychain (service "dmshare", account "${account}")`,
    );
    expect(status.stdout).not.toContain(TOKEN);

    await writeFiles(bed.dir, { "a.jpg": jpegBytes() });
    const sent = await withKeychain(["send", "a.jpg", "--via", "dropbox", "--quiet", "--no-copy"]);
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/^https:\/\/www\.dropbox\.com\/scl\/fi\//);

    const logout = await withKeychain(["logout", "dropbox"]);
    expect(logout.stderr).toContain("removed the stored credentials (the keychain");
    expect(await keychainSecret(account)).toBeNull();
    expect((await withKeychain(["status"])).stdout).toContain("Dropbox: not logged in");
  });

  it("each config dir has its own entry: another configuration is not logged in", async () => {
    expect((await withKeychain(["login", "dropbox", "--token", "-"])).code).toBe(0);
    const other = await withKeychain(["status"], {
      DMSHARE_CONFIG_DIR: path.join(bed.dir, "other-config"),
    });
    expect(other.stdout).toContain("Dropbox: not logged in");
    await withKeychain(["logout", "dropbox"]);
  });

  it("credentials already in the file keep working, and move to the keychain at the next login", async () => {
    const noKeychain = { DBUS_SESSION_BUS_ADDRESS: undefined };
    expect((await withKeychain(["login", "dropbox", "--token", "-"], noKeychain)).code).toBe(0);
    expect(await readFile(credentialsFile(), "utf8")).toContain(TOKEN);

    const status = await withKeychain(["status"]);
    expect(status.stdout).toContain(`credentials in the file ${credentialsFile()}`);

    expect((await withKeychain(["login", "dropbox", "--token", "-"])).code).toBe(0);
    expect(await readFile(credentialsFile(), "utf8")).not.toContain(TOKEN);
    expect((await withKeychain(["status"])).stdout).toContain("credentials in the keychain");
    await withKeychain(["logout", "dropbox"]);
  });
});

describe("with a keychain that won't take secrets", () => {
  it("a locked keyring with no way to prompt: credentials go to the file instead", async () => {
    const locked = await startSecretService(false);
    try {
      const login = await withKeychain(["login", "dropbox", "--token", "-"], {
        DBUS_SESSION_BUS_ADDRESS: locked.busAddress,
      });
      expect(login.code).toBe(0);
      expect(await readFile(credentialsFile(), "utf8")).toContain(TOKEN);
      const status = await withKeychain(["status"], {
        DBUS_SESSION_BUS_ADDRESS: locked.busAddress,
      });
      expect(status.stdout).toContain(`credentials in the file ${credentialsFile()}`);
    } finally {
      await locked.stop();
    }
  });
});

describe("without a keychain", () => {
  const noKeychain = { DBUS_SESSION_BUS_ADDRESS: undefined };

  it("credentials, config and ledger are files only the user can read (0600, dir 0700)", async () => {
    expect((await withKeychain(["login", "dropbox", "--token", "-"], noKeychain)).code).toBe(0);
    expect((await withKeychain(["config", "set", "provider", "dropbox"], noKeychain)).code).toBe(0);
    await writeFiles(bed.dir, { "b.jpg": jpegBytes() });
    expect((await withKeychain(["send", "b.jpg", "--no-copy"], noKeychain)).code).toBe(0);
    for (const name of ["credentials.json", "config.json", "ledger.db"]) {
      expect(((await stat(path.join(bed.configDir, name))).mode & 0o777).toString(8)).toBe("600");
    }
    expect(((await stat(bed.configDir)).mode & 0o777).toString(8)).toBe("700");
    expect((await withKeychain(["status"], noKeychain)).stdout).toContain(
      `credentials in the file ${credentialsFile()}`,
    );
  });

  it("DMSHARE_CREDENTIAL_STORE=keychain with no keychain to be had → exit 3, nothing saved", async () => {
    const { code, stderr } = await withKeychain(["login", "dropbox", "--token", "-"], {
      ...noKeychain,
      DMSHARE_CREDENTIAL_STORE: "keychain",
    });
    expect(code).toBe(3);
    expect(stderr).toContain("DMSHARE_CREDENTIAL_STORE=keychain, but there is no session bus");
    expect(await exists(credentialsFile())).toBe(false);
  });

  it("DMSHARE_CREDENTIAL_STORE=file keeps credentials in the file even with a keychain", async () => {
    const { code } = await withKeychain(["login", "dropbox", "--token", "-"], {
      DMSHARE_CREDENTIAL_STORE: "file",
    });
    expect(code).toBe(0);
    expect(await readFile(credentialsFile(), "utf8")).toContain(TOKEN);
    expect(await keychainSecret(`dropbox:${bed.configDir}`)).toBeNull();
  });

  it("a DMSHARE_CREDENTIAL_STORE that is neither → exit 2 naming it", async () => {
    await writeFile(path.join(bed.dir, "x"), "");
    const { code, stderr } = await withKeychain(["status"], { DMSHARE_CREDENTIAL_STORE: "vault" });
    expect(code).toBe(2);
    expect(stderr).toContain('DMSHARE_CREDENTIAL_STORE "vault" is not a credential store.');
  });
});
