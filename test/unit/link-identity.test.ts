import { describe, expect, it } from "vitest";
import { listedAmong } from "../../src/core/link-match.ts";
import { selectEntries } from "../../src/core/revoke.ts";
import { linkProblem, parseLinkRef } from "../../src/providers/link-identity.ts";
import type { LedgerEntry } from "../../src/store/ledger.ts";

const DBX = "https://www.dropbox.com/scl/fi/abc123def456/beach.jpg?rlkey=key1&dl=0";
const FILE_ID = "1AbCdEfGhIjKlMnOpQrStUvWxYz012345";

const entry = (
  id: string,
  provider: string,
  url: string | null,
  remoteId = "id:x",
): LedgerEntry => ({
  id,
  provider,
  kind: "photo",
  name: `${id}.jpg`,
  url,
  message: null,
  target: { remotePath: `/dmshare/${id}.jpg`, remoteId },
  files: [],
  createdAt: "2026-11-01T10:00:00.000Z",
  expiresAt: null,
  revokedAt: null,
  status: "active",
});

describe("a link URL in any spelling", () => {
  it("Dropbox: the path id and rlkey, whatever else the query holds", () => {
    for (const spelling of [
      DBX,
      DBX.replace("dl=0", "dl=1"),
      "https://www.dropbox.com/scl/fi/abc123def456/beach.jpg?rlkey=key1&st=zz&dl=0&e=1",
      "https://dropbox.com/scl/fi/abc123def456/other-name.jpg?raw=1&rlkey=key1",
      `${DBX}.`,
      `${DBX},`,
      `(${DBX})`,
      `<${DBX}>`,
      "www.dropbox.com/scl/fi/abc123def456/beach.jpg?rlkey=key1",
    ]) {
      expect(parseLinkRef(spelling), spelling).toEqual({
        provider: "dropbox",
        key: "scl/fi/abc123def456",
        secret: "key1",
        truncated: false,
      });
    }
    expect(parseLinkRef("https://www.dropbox.com/scl/fi/abc123def456/beach.jpg")).toMatchObject({
      key: "scl/fi/abc123def456",
      truncated: true,
    });
    expect(parseLinkRef("https://www.dropbox.com/s/q9x8w7/beach.jpg?dl=0")).toMatchObject({
      key: "s/q9x8w7",
      truncated: false,
    });
  });

  it("Drive: the file id from every address Drive shows", () => {
    for (const spelling of [
      `https://drive.google.com/file/d/${FILE_ID}/view?usp=drivesdk`,
      `https://drive.google.com/file/d/${FILE_ID}/view?usp=sharing`,
      `https://drive.google.com/file/d/${FILE_ID}/view`,
      `https://drive.google.com/open?id=${FILE_ID}`,
      `https://drive.google.com/drive/folders/${FILE_ID}?usp=drive_link`,
      `https://drive.google.com/drive/u/0/folders/${FILE_ID}`,
      `https://docs.google.com/document/d/${FILE_ID}/edit?usp=drivesdk`,
      `https://drive.google.com/file/d/${FILE_ID}/view?usp=drivesdk.`,
    ]) {
      expect(parseLinkRef(spelling), spelling).toEqual({
        provider: "gdrive",
        key: FILE_ID,
        truncated: false,
      });
    }
  });
});

describe("revoke by URL", () => {
  const entries = [
    entry("aaaaaaaa", "dropbox", DBX),
    entry(
      "bbbbbbbb",
      "gdrive",
      `https://drive.google.com/file/d/${FILE_ID}/view?usp=drivesdk`,
      FILE_ID,
    ),
  ];

  it("matches on the link's identity, never the text", () => {
    const notes: string[] = [];
    const found = selectEntries(
      entries,
      [`${DBX.replace("dl=0", "dl=1")}&st=x`, `https://drive.google.com/open?id=${FILE_ID}`],
      (note) => notes.push(note),
    );
    expect(found.map((e) => e.id)).toEqual(["aaaaaaaa", "bbbbbbbb"]);
    expect(notes).toEqual([]);
  });

  it("a URL cut before its rlkey names the one link it can, with a note to quote it", () => {
    const notes: string[] = [];
    const cut = "https://www.dropbox.com/scl/fi/abc123def456/beach.jpg?";
    expect(selectEntries(entries, [cut], (note) => notes.push(note)).map((e) => e.id)).toEqual([
      "aaaaaaaa",
    ]);
    expect(notes.join()).toMatch(/Quote URLs/);
  });

  it("…and refuses when that could be two links", () => {
    const two = [...entries, entry("cccccccc", "dropbox", DBX.replace("key1", "key2"))];
    const cut = "https://www.dropbox.com/scl/fi/abc123def456/beach.jpg";
    expect(() => selectEntries(two, [cut])).toThrow(/matches 2 links/);
    expect(() => selectEntries(two, [cut])).toThrow(
      expect.objectContaining({ hint: expect.stringMatching(/single quotes/) }),
    );
  });

  it("another rlkey on the same path is another link", () => {
    expect(() => selectEntries(entries, [DBX.replace("key1", "other")])).toThrow(
      /not a link dmshare made/,
    );
  });
});

describe("is the entry's link among those the provider lists?", () => {
  const active = entry("aaaaaaaa", "dropbox", DBX);
  it("the same link spelled otherwise: yes", () => {
    expect(listedAmong(active, [{ url: `${DBX}&e=1` }])).toBe("yes");
  });
  it("only other links, all understood: no", () => {
    expect(listedAmong(active, [{ url: DBX.replace("key1", "key9") }])).toBe("no");
  });
  it("an entry whose URL is not a link (an empty answer once stored): unknown, never no", () => {
    expect(listedAmong({ ...active, url: "" }, [{ url: DBX }])).toBe("unknown");
    expect(listedAmong({ ...active, url: "" }, [])).toBe("unknown");
  });
  it("a listed link that can't be read: unknown", () => {
    expect(listedAmong(active, [{ url: "<html>" }])).toBe("unknown");
  });
});

describe("a link from a server", () => {
  it("must be https on the provider's own hosts, without control characters", () => {
    expect(linkProblem("dropbox", DBX)).toBeNull();
    expect(linkProblem("gdrive", `https://drive.google.com/file/d/${FILE_ID}/view`)).toBeNull();
    expect(linkProblem("dropbox", "javascript:alert(1)")).toMatch(/https/);
    expect(linkProblem("dropbox", `${DBX}\n`)).toMatch(/control/);
    expect(linkProblem("dropbox", `${DBX}\u009b`)).toMatch(/control/);
    expect(
      linkProblem("dropbox", DBX.replace("www.dropbox.com", "dropbox.com.evil.example")),
    ).toMatch(/points to/);
    expect(linkProblem("dropbox", DBX.replace("https://", "https://user@"))).toMatch(/unusual/);
    expect(linkProblem("gdrive", DBX)).toMatch(/points to/);
    expect(linkProblem("dropbox", undefined)).toMatch(/no link/);
  });
});
