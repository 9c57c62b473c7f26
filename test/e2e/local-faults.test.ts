import { execFileSync, spawn } from "node:child_process";
import { chmod, mkdir, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, baseEnv, collect, spawnCli, waitFor, writeFiles } from "../helpers/cli.ts";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { readLedger } from "../helpers/ledger.ts";
import { jpegBytes } from "../helpers/media.ts";

const TOKEN = "local-faults-token";
const bed = useDropboxTestbed({ token: TOKEN });
const { dmshare } = bed;

const entry = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  provider: "dropbox",
  kind: "photo",
  name: `${id}.jpg`,
  url: `https://www.dropbox.com/scl/fi/${id}/x.jpg?rlkey=k&dl=0`,
  message: null,
  target: { remotePath: `/dmshare/${id}.jpg`, remoteId: `id:${id}` },
  files: [],
  createdAt: "2026-11-01T10:00:00.000Z",
  expiresAt: null,
  revokedAt: null,
  status: "active",
  ...extra,
});

/**
 * Runs dmshare with its config dir on a 64 KiB tmpfs that has `freeBytes` left (less what `setup` writes), in a mount
 * namespace of its own (nothing outside sees the mount, and it goes with the process);
 * afterwards lists what is left in the config dir (one name a line, after a marker).
 */
async function onFullDisk(
  args: string[],
  freeBytes: number,
  setup = "",
  full: { dir: string; env?: Record<string, string>; readOnly?: boolean } = { dir: bed.configDir },
) {
  const script = [
    'mount -t tmpfs -o size=64k,mode=0700 tmpfs "$FULL" || exit 99',
    setup,
    `head -c ${64 * 1024 - freeBytes} /dev/zero > "$FULL/filler"`,
    full.readOnly ? 'mount -o remount,ro "$FULL" || exit 99' : "",
    '"$0" "$@"; code=$?',
    'echo "--- ledger:" >&2; cat "$DMSHARE_CONFIG_DIR/ledger.json" >&2 2>/dev/null',
    'echo "--- left:" >&2; ls -A "$FULL" >&2',
    "exit $code",
  ].join("\n");
  const unshare = process.getuid?.() === 0 ? ["-m"] : ["-r", "-m"];
  await mkdir(bed.configDir, { recursive: true });
  await mkdir(full.dir, { recursive: true });
  const child = spawn("unshare", [...unshare, "sh", "-c", script, process.execPath, BIN, ...args], {
    cwd: bed.dir,
    env: baseEnv(bed.env({ ...full.env, FULL: full.dir })),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const result = await collect(child, 30_000);
  expect(result.code, result.stderr).not.toBe(99);
  const [stderr = "", rest = ""] = result.stderr.split("--- ledger:\n");
  const [ledger = "", left = ""] = rest.split("--- left:\n");
  return {
    code: result.code,
    stdout: result.stdout,
    stderr,
    ledger,
    left: left.split("\n").filter(Boolean),
  };
}

describe("a full disk", () => {
  it("send: a clear exit 2 naming the ledger, no half-made database left, nothing uploaded", async () => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes() });
    const uploads = bed.emulator.requests.length;
    const { code, stderr, left } = await onFullDisk(
      ["send", "a.jpg", "--via", "dropbox", "--no-copy"],
      4096,
    );
    const ledger = path.join(bed.configDir, "ledger.db");
    expect(stderr).toContain(`Can't write ${ledger}: the disk is full (ENOSPC).`);
    expect(stderr).toContain("Free some space");
    expect(stderr).not.toContain("bug");
    expect(code).toBe(2);
    expect(left).toEqual(["filler"]);
    expect(bed.emulator.requests.slice(uploads).map((r) => r.path)).not.toContain(
      "/2/files/upload",
    );
  });

  it("with no room at all: exit 2 naming the ledger, and no empty database left", async () => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes() });
    const { code, stderr, left } = await onFullDisk(
      ["send", "a.jpg", "--via", "dropbox", "--no-copy"],
      0,
    );
    expect(stderr).toContain(
      `Can't write ${path.join(bed.configDir, "ledger.db")}: the disk is full (ENOSPC).`,
    );
    expect(code).toBe(2);
    expect(left).toEqual(["filler"]);
  });

  it("an existing ledger is left whole; config set says which file it could not write", async () => {
    const before = `${JSON.stringify({ version: 1, entries: [entry("keepme00")] }, null, 1)}\n`;
    const setup = `printf '%s' '${before}' > "$DMSHARE_CONFIG_DIR/ledger.json"`;
    await writeFiles(bed.dir, { "a.jpg": jpegBytes() });
    const sent = await onFullDisk(["send", "a.jpg", "--via", "dropbox", "--no-copy"], 8192, setup);
    expect(sent.stderr).toContain(
      `Can't write ${path.join(bed.configDir, "ledger.db")}: the disk is full (ENOSPC).`,
    );
    expect(sent.code).toBe(2);
    expect(sent.ledger).toBe(before);
    expect(sent.left.sort()).toEqual(["filler", "ledger.json"]);

    const set = await onFullDisk(["config", "set", "preset", "casual"], 4096);
    expect(set.stderr).toContain(
      `Can't write ${path.join(bed.configDir, "config.json")}: the disk is full (ENOSPC).`,
    );
    expect(set.code).toBe(2);
    expect(set.left).toEqual(["filler"]);
  });
});

describe("a read-only disk", () => {
  it("send: exit 2 saying the config folder's disk is read-only, nothing uploaded", async () => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes() });
    const uploads = bed.emulator.requests.length;
    const { code, stderr, left } = await onFullDisk(
      ["send", "a.jpg", "--via", "dropbox", "--no-copy"],
      32 * 1024,
      "",
      { dir: bed.configDir, readOnly: true },
    );
    expect(stderr).toContain(
      `Can't create ${path.join(bed.configDir, "ledger.db")}: the file system is read-only (EROFS).`,
    );
    expect(stderr).toContain("Set DMSHARE_CONFIG_DIR");
    expect(code).toBe(2);
    expect(left).toEqual(["filler"]);
    expect(bed.emulator.requests.slice(uploads).map((r) => r.path)).not.toContain(
      "/2/files/upload",
    );
  });
});

describe("a full disk for the private copies (TMPDIR)", () => {
  it("send: exit 2 saying the temporary folder is full and that TMPDIR can move it; nothing uploaded or left", async () => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes(20_000) });
    const tmp = path.join(bed.dir, "tmp");
    const uploads = bed.emulator.requests.length;
    const { code, stderr, left } = await onFullDisk(
      ["send", "a.jpg", "--via", "dropbox", "--no-copy"],
      0,
      "",
      { dir: tmp, env: { TMPDIR: tmp } },
    );
    expect(stderr).toMatch(/Can't write a private copy in .*: the disk is full \(ENOSPC\)\./);
    expect(stderr).toContain("set TMPDIR to a folder on a disk with room");
    expect(stderr).not.toContain("--keep-metadata");
    expect(code).toBe(2);
    // Node's own compile cache may be there; no workspace of dmshare's is.
    expect(left.filter((name) => name !== "node-compile-cache")).toEqual(["filler"]);
    expect(bed.emulator.requests.slice(uploads).map((r) => r.path)).not.toContain(
      "/2/files/upload",
    );
  });
});

describe("a ledger dmshare can't use as it is", () => {
  it('reports an entry with a wrong type ("url": 123) by its id, lists the others, and keeps it on disk', async () => {
    await mkdir(bed.configDir, { recursive: true });
    const ledger = path.join(bed.configDir, "ledger.json");
    const bad = entry("badurl00", { url: 123 });
    await writeFile(
      ledger,
      JSON.stringify({ version: 1, entries: [entry("good0000"), bad, { id: "nokind00" }] }),
    );
    const listed = await dmshare(["list", "--all"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain("good0000");
    expect(listed.stderr).toContain(
      'Skipped ledger entry "badurl00": "url" is 123, not a text or null.',
    );
    expect(listed.stderr).toContain('Skipped ledger entry "nokind00"');

    await writeFiles(bed.dir, { "a.jpg": jpegBytes() });
    const sent = await dmshare(["send", "a.jpg", "--via", "dropbox", "--no-copy"]);
    expect(sent.code).toBe(0);
    // Said once per command, however often the ledger is read.
    expect(sent.stderr.split('Skipped ledger entry "badurl00"').length).toBe(2);
    const stored = await readLedger(bed.configDir);
    expect(stored.entries).toHaveLength(4);
    expect(stored.entries).toContainEqual(bad);
    expect(stored.entries).toContainEqual({ id: "nokind00" });
  });

  it.each([
    ["a directory", (file: string) => mkdir(file), "it is a directory"],
    [
      "a named pipe",
      async (file: string) => execFileSync("mkfifo", [file]),
      "it is a named pipe (FIFO)",
    ],
  ])("a ledger path that is %s: exit 2 saying so, no hang", async (_label, make, what) => {
    await mkdir(bed.configDir, { recursive: true });
    const ledger = path.join(bed.configDir, "ledger.json");
    await make(ledger);
    await writeFiles(bed.dir, { "a.jpg": jpegBytes() });
    for (const args of [["list"], ["send", "a.jpg", "--via", "dropbox", "--no-copy"]]) {
      const { code, stderr } = await dmshare(args);
      expect(stderr).toContain(`Can't read ${ledger}: ${what}, not a file dmshare wrote.`);
      expect(stderr).toContain(`mv '${ledger}'`);
      expect(code).toBe(2);
    }
    expect((await readdir(bed.configDir)).sort()).toEqual(["ledger.json"]);
  });
});

describe("a config folder or credentials file open to other users", () => {
  it("gets 0700/0600 back on the next command, which says so once", async () => {
    await mkdir(bed.configDir, { recursive: true });
    const credentials = path.join(bed.configDir, "credentials.json");
    await writeFile(credentials, JSON.stringify({ dropbox: { accessToken: "stored" } }));
    await chmod(bed.configDir, 0o777);
    await chmod(credentials, 0o644);
    const first = await dmshare(["list"], { env: { DMSHARE_DROPBOX_TOKEN: undefined } });
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(
      `dmshare's folder ${bed.configDir} was writable by other users (mode 0777); it is 0700 again.`,
    );
    expect(first.stderr).toContain(
      `dmshare's credentials file ${credentials} was readable by other users (mode 0644); it is 0600 again.`,
    );
    expect((await stat(bed.configDir)).mode & 0o777).toBe(0o700);
    expect((await stat(credentials)).mode & 0o777).toBe(0o600);
    const second = await dmshare(["list"]);
    expect(second.code).toBe(0);
    expect(second.stderr).not.toContain("dmshare's");
  });

  it("a folder that is not dmshare's is left as it is, and --version or --help change nothing", async () => {
    // DMSHARE_CONFIG_DIR pointed at a folder the user shares with others, with no dmshare files.
    const shared = path.join(bed.dir, "shared");
    await mkdir(shared, { recursive: true });
    await writeFile(path.join(shared, "notes.txt"), "ours\n");
    await chmod(shared, 0o777);
    for (const args of [["--version"], ["--help"], ["send", "--help"]]) {
      const result = await dmshare(args, { env: { DMSHARE_CONFIG_DIR: shared } });
      expect(result.code, args.join(" ")).toBe(0);
      expect(result.stderr, args.join(" ")).not.toContain("dmshare's");
      expect((await stat(shared)).mode & 0o777, args.join(" ")).toBe(0o777);
    }
  });

  it("--version leaves even dmshare's own open folder for the command that uses it", async () => {
    await mkdir(bed.configDir, { recursive: true });
    await writeFile(path.join(bed.configDir, "ledger.json"), '{"version":1,"entries":[]}\n');
    await chmod(bed.configDir, 0o755);
    try {
      const version = await dmshare(["--version"]);
      expect(version.code).toBe(0);
      expect(version.stderr).toBe("");
      expect((await stat(bed.configDir)).mode & 0o777).toBe(0o755);
      const listed = await dmshare(["list"]);
      expect(listed.code).toBe(0);
      expect(listed.stderr).toContain(
        `dmshare's folder ${bed.configDir} was readable by other users (mode 0755); it is 0700 again.`,
      );
      expect((await stat(bed.configDir)).mode & 0o777).toBe(0o700);
    } finally {
      await chmod(bed.configDir, 0o700);
    }
  });
});

describe("many photos under a low limit of open files", () => {
  it("an album of 300 photos is sent under ulimit -n 256 (inputs are opened a few at a time)", async () => {
    const names = Array.from(
      { length: 300 },
      (_, index) => `p${String(index).padStart(3, "0")}.jpg`,
    );
    const photo = jpegBytes();
    await writeFiles(bed.dir, Object.fromEntries(names.map((name) => [name, photo])));
    const child = spawn(
      "bash",
      [
        "-c",
        'ulimit -n 256 && exec "$0" "$@"',
        process.execPath,
        BIN,
        "send",
        ...names,
        "--via",
        "dropbox",
        "--album",
        "many",
        "--no-copy",
        "--json",
      ],
      { cwd: bed.dir, env: baseEnv(bed.env()), stdio: ["ignore", "pipe", "pipe"] },
    );
    const { code, stdout, stderr } = await collect(child, 120_000);
    expect(stderr).not.toContain("EMFILE");
    expect(code, stderr).toBe(0);
    const sent = JSON.parse(stdout);
    expect(sent.kind).toBe("album");
    expect(sent.files).toHaveLength(300);
    const uploaded = bed.emulator.requests.filter((r) => r.path.startsWith("/2/files/upload"));
    expect(uploaded.length).toBeGreaterThanOrEqual(300);
  });
});

describe("sync while a send is still uploading", () => {
  it("leaves the send's pending entry alone, even hours later by the clock, and the send completes", async () => {
    await writeFiles(bed.dir, { "big.jpg": jpegBytes(50_000) });
    const before = bed.emulator.requests.length;
    // The upload is stored at once; its answer is held until sync has run, as for a big file on
    // a slow line.
    let release = () => {};
    const until = new Promise<void>((resolve) => {
      release = resolve;
    });
    bed.emulator.inject({ route: "/2/files/upload", kind: "hold", until });
    const sending = spawnCli(["send", "big.jpg", "--via", "dropbox", "--no-copy", "--json"], {
      cwd: bed.dir,
      env: bed.env(),
    });
    const sent = collect(sending, 60_000);
    try {
      await waitFor(async () =>
        bed.emulator.requests.slice(before).find((r) => r.path === "/2/files/upload"),
      );
      // sync runs as if two hours had passed since the send started.
      const later = new Date(Date.now() + 2 * 60 * 60_000).toISOString();
      const synced = await dmshare(["sync"], { env: { DMSHARE_NOW: later } });
      expect(synced.stderr).toMatch(
        /left \w+ big\.jpg pending: it started 2 h(ours)? ago and its send \(process \d+\) is still running/,
      );
      expect(synced.stdout).not.toContain("Cleaned up");
      expect(synced.code).toBe(0);
      // The send is still waiting for its upload's answer: sync ran inside the send.
      expect(sending.exitCode).toBeNull();
    } finally {
      release();
      bed.emulator.clearFaults();
    }
    const { code, stdout, stderr } = await sent;
    expect(stderr).not.toContain("bug");
    expect(code).toBe(0);
    const ledger = await readLedger(bed.configDir);
    // (Links of earlier tests in this file may have been adopted by the sync: only this one counts.)
    const mine = ledger.entries.find((e: { id: string }) => e.id === JSON.parse(stdout).id);
    expect(mine).toMatchObject({ status: "active" });
    expect(mine?.owner).toBeUndefined();
  });
});
