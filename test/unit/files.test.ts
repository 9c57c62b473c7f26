import { describe, expect, it } from "vitest";
import { DmshareError } from "../../src/errors.ts";
import { isLocalFileFault, localFileError } from "../../src/store/files.ts";

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
