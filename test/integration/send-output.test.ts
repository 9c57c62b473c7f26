import { describe, expect, it } from "vitest";
import { writeFiles } from "../helpers/cli.ts";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { jpegBytes } from "../helpers/media.ts";

// What `dmshare send` says on a terminal and in pipes: labels of --each, the account it
// uploaded to, the clipboard setting, and what --dry-run promises.
const TOKEN = "send-output-token";
const bed = useDropboxTestbed({ token: TOKEN, runner: "in-process" });
const { dmshare } = bed;

const URL = /https:\/\/www\.dropbox\.com\/scl\/fi\/\S+/;

describe("send --each", () => {
  it("names each file in the printed messages", async () => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes(1000), "b.jpg": jpegBytes(2000) });
    const { code, stdout } = await dmshare([
      ...["send", "a.jpg", "b.jpg", "--each", "--via", "dropbox", "--no-copy"],
    ]);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^a\\.jpg: Here's the photo: ${URL.source}$`));
    expect(lines[1]).toMatch(new RegExp(`^b\\.jpg: Here's the photo: ${URL.source}$`));
  });

  it("does not name it twice when the wording already does", async () => {
    await writeFiles(bed.dir, { "c.jpg": jpegBytes(3000), "d.jpg": jpegBytes(4000) });
    const { stdout } = await dmshare([
      ...["send", "c.jpg", "d.jpg", "--each", "--via", "dropbox", "--no-copy"],
      ...["--preset", "professional"],
    ]);
    expect(stdout).toMatch(/^Please find "c\.jpg" at this view-only link: /m);
  });

  it("with --quiet prints exactly the URLs, one a line", async () => {
    await writeFiles(bed.dir, { "e.jpg": jpegBytes(5000), "f.jpg": jpegBytes(6000) });
    const { code, stdout } = await dmshare([
      ...["send", "e.jpg", "f.jpg", "--each", "--via", "dropbox", "--no-copy", "--quiet"],
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^${URL.source}\\n${URL.source}\\n$`));
  });
});
