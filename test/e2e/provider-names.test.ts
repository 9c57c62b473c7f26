import { describe, expect, it } from "vitest";
import { writeFiles } from "../helpers/cli.ts";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { jpegBytes } from "../helpers/media.ts";

const bed = useDropboxTestbed({ token: "e2e-static-token" });

describe("file names a provider refuses", () => {
  it("a photo named like a system file Dropbox won't store is bad input (2), with what to do", async () => {
    // Windows and macOS leave such names beside photos; Dropbox answers path/disallowed_name.
    await writeFiles(bed.dir, { "Thumbs.db": jpegBytes(3000) });
    const { code, stdout, stderr } = await bed.dmshare([
      "send",
      "Thumbs.db",
      "--via",
      "dropbox",
      "--no-copy",
    ]);
    expect(stdout).toBe("");
    expect(stderr).toContain(
      "Dropbox won't store a file with that name, so dmshare can't upload Thumbs.db.",
    );
    expect(stderr).toContain("copy the photo under another name and send the copy");
    expect(code).toBe(2);
  });
});
