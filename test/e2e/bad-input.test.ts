import { spawn } from "node:child_process";
import { appendFile, readFile, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, baseEnv, collect, spawnCli, waitFor, writeFiles } from "../helpers/cli.ts";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { jpegBytes } from "../helpers/media.ts";

// Bad input that needs a process of its own: a file the user may not read (dmshare runs
// without root's capabilities), a file that changes during its upload, a 2 GB file whose
// memory use is measured. The rest runs in-process: test/integration/bad-input.test.ts.

const bed = useDropboxTestbed({ token: "bad-input-token" });

interface Sent {
  id: string;
  url: string;
  name: string;
  files: { path: string; remotePath: string; bytes: number }[];
}

const ledgerEntries = async () =>
  JSON.parse((await bed.dmshare(["list", "--all", "--json"])).stdout) as Sent[];

describe("bad files: exit 2, named, nothing uploaded, nothing changed", () => {
  it("a file dmshare may not read (EACCES)", async () => {
    await writeFiles(bed.dir, { "locked.jpg": jpegBytes() });
    const { chmod } = await import("node:fs/promises");
    await chmod(path.join(bed.dir, "locked.jpg"), 0o000);
    // root reads anything: drop the capabilities that let it, as a normal user would be.
    const asUser =
      process.getuid?.() === 0
        ? ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
        : [];
    const argv = [...asUser, process.execPath, BIN, "send", "locked.jpg", "--via", "dropbox"];
    const child = spawn(argv[0] as string, argv.slice(1), {
      cwd: bed.dir,
      env: baseEnv(bed.env()),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const { code, stderr } = await collect(child, 30_000);
    expect(code).toBe(2);
    expect(stderr).toContain("locked.jpg: permission denied (dmshare can't read it)");
  });
});

describe("files that change or are huge", () => {
  it("a file that changes while it uploads is refused and the upload removed", async () => {
    const file = path.join(bed.dir, "growing.jpg");
    await writeFile(file, jpegBytes(3_000_000));
    const before = bed.emulator.requests.length;
    bed.emulator.bandwidthBytesPerSecond = 2_000_000;
    try {
      const child = spawnCli(
        ["send", "growing.jpg", "--via", "dropbox", "--keep-metadata", "--no-copy"],
        { cwd: bed.dir, env: bed.env() },
      );
      const done = collect(child, 30_000);
      await waitFor(async () =>
        bed.emulator.requests.slice(before).some((r) => r.path === "/2/files/upload")
          ? true
          : undefined,
      );
      await appendFile(file, Buffer.alloc(1000, 1));
      const { code, stdout, stderr } = await done;
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toContain(`${file} changed while it was being uploaded.`);
      expect(stderr).toContain("the upload was removed");
    } finally {
      bed.emulator.bandwidthBytesPerSecond = 0;
    }
    expect(bed.emulator.listFiles().filter((f) => f.pathLower.includes("growing"))).toEqual([]);
    expect(bed.emulator.sharedLinks().filter((l) => l.pathLower.includes("growing"))).toEqual([]);
    expect(await ledgerEntries()).toEqual([]);
  });

  it("a 2 GB (sparse) file is streamed, never held in memory", async () => {
    const file = path.join(bed.dir, "huge.jpg");
    await writeFile(file, jpegBytes(4096));
    await truncate(file, 2 * 1024 ** 3);
    const child = spawnCli(
      ["send", "huge.jpg", "--via", "dropbox", "--keep-metadata", "--no-copy", "--json"],
      { cwd: bed.dir, env: bed.env() },
    );
    const done = collect(child, 120_000);
    let peakKb = 0;
    const poll = setInterval(() => {
      readFile(`/proc/${child.pid}/status`, "utf8")
        .then((status) => {
          const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
          peakKb = Math.max(peakKb, hwm);
        })
        .catch(() => undefined);
    }, 100);
    const { code, stdout } = await done.finally(() => clearInterval(poll));
    expect(code).toBe(0);
    const sent = JSON.parse(stdout) as Sent;
    expect(sent.files[0]?.bytes).toBe(2 * 1024 ** 3);
    expect(bed.emulator.readFile(sent.files[0]?.remotePath ?? "")?.length).toBe(2 * 1024 ** 3);
    expect(peakKb).toBeGreaterThan(0);
    // Far below the 2 GB: at most a few upload chunks are in memory at a time.
    expect(peakKb / 1024).toBeLessThan(256);
  }, 180_000);
});
