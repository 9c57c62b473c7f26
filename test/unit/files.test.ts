import { mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DmshareError } from "../../src/lib/errors.ts";
import {
  isLocalFileFault,
  localFileError,
  RENAME_RETRY_DELAYS_MS,
  writeFileAtomic,
} from "../../src/store/files.ts";

const fault = (code: string) => Object.assign(new Error(`${code}: oops`), { code });

describe("local file faults", () => {
  it.each([
    ["ENOSPC", "the disk is full (ENOSPC)", "Free some space"],
    ["EACCES", "permission denied (EACCES)", "set DMSHARE_CONFIG_DIR to a folder you own"],
    ["EROFS", "the file system is read-only (EROFS)", "to a writable folder"],
    ["EISDIR", "it is a directory, not a file (EISDIR)", "mv '/c/ledger.json'"],
  ])("%s is exit 2 naming the file, why and what to do", (code, why, next) => {
    const error = localFileError(fault(code), "/c/ledger.json", "write");
    expect(error).toBeInstanceOf(DmshareError);
    expect((error as DmshareError).exitCode).toBe(2);
    expect((error as DmshareError).message).toBe(`Can't write /c/ledger.json: ${why}.`);
    expect((error as DmshareError).hint).toContain(next);
    expect(isLocalFileFault(fault(code))).toBe(true);
  });

  it("other errors are left as they are (a bug stays a bug)", () => {
    const other = new TypeError("x is not a function");
    expect(localFileError(other, "/c/ledger.json", "write")).toBe(other);
    expect(isLocalFileFault(other)).toBe(false);
  });
});

describe("writeFileAtomic on a file another process holds open (Windows)", () => {
  /** A rename that is refused with `code` the first `times` tries, then really renames. */
  function busyRename(code: string, times: number) {
    const tries: string[] = [];
    const renameFile = async (from: string, to: string) => {
      tries.push(path.basename(to));
      if (tries.length <= times) throw fault(code);
      await rename(from, to);
    };
    return { renameFile, tries };
  }

  const dirs: string[] = [];
  const scratch = async () => {
    dirs.push(await mkdtemp(path.join(os.tmpdir(), "dmshare-atomic-")));
    return dirs.at(-1) as string;
  };
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it.each(["EPERM", "EBUSY", "EACCES"])(
    "a rename refused with %s is tried again after short waits, then the file is written",
    async (code) => {
      const dir = await scratch();
      const file = path.join(dir, "ledger.json");
      await writeFile(file, "old");
      const { renameFile, tries } = busyRename(code, 3);
      const waits: number[] = [];
      await writeFileAtomic(file, "new", {
        platform: "win32",
        rename: renameFile,
        sleep: async (ms) => {
          waits.push(ms);
        },
      });
      expect(await readFile(file, "utf8")).toBe("new");
      expect(tries).toHaveLength(4);
      expect(waits).toEqual(RENAME_RETRY_DELAYS_MS.slice(0, 3));
      expect(await readdir(dir)).toEqual(["ledger.json"]);
    },
  );

  it("gives up after a bounded number of tries with the clear error, leaving the old file and no temp file", async () => {
    const dir = await scratch();
    const file = path.join(dir, "ledger.json");
    await writeFile(file, "old");
    const { renameFile, tries } = busyRename("EBUSY", Number.POSITIVE_INFINITY);
    const waits: number[] = [];
    const failure = await writeFileAtomic(file, "new", {
      platform: "win32",
      rename: renameFile,
      sleep: async (ms) => {
        waits.push(ms);
      },
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DmshareError);
    expect((failure as DmshareError).exitCode).toBe(2);
    expect((failure as DmshareError).message).toBe(
      `Can't write ${file}: another program keeps it open (EBUSY).`,
    );
    expect(tries).toHaveLength(RENAME_RETRY_DELAYS_MS.length + 1);
    expect(waits).toEqual(RENAME_RETRY_DELAYS_MS);
    expect(waits.reduce((sum, ms) => sum + ms, 0)).toBeLessThan(2_000);
    expect(await readFile(file, "utf8")).toBe("old");
    expect(await readdir(dir)).toEqual(["ledger.json"]);
  });

  it("on Windows, EPERM still refused after the retries says to close what holds the file", async () => {
    const dir = await scratch();
    const file = path.join(dir, "ledger.json");
    const { renameFile } = busyRename("EPERM", Number.POSITIVE_INFINITY);
    const failure = (await writeFileAtomic(file, "new", {
      platform: "win32",
      rename: renameFile,
      sleep: async () => {},
    }).catch((error: unknown) => error)) as DmshareError;
    expect(failure.message).toBe(`Can't write ${file}: the operation is not permitted (EPERM).`);
    expect(failure.hint).toBe(
      `Close what holds ${file} open (another dmshare, an editor, a sync or antivirus tool), then run the command again.`,
    );
  });

  it("off Windows, EPERM and EACCES are permissions to fix: no retry", async () => {
    for (const code of ["EPERM", "EACCES"]) {
      const dir = await scratch();
      const file = path.join(dir, "ledger.json");
      const { renameFile, tries } = busyRename(code, 1);
      const waits: number[] = [];
      await expect(
        writeFileAtomic(file, "new", {
          platform: "linux",
          rename: renameFile,
          sleep: async (ms) => {
            waits.push(ms);
          },
        }),
      ).rejects.toThrow(`(${code})`);
      expect(tries).toHaveLength(1);
      expect(waits).toEqual([]);
    }
  });
});
