// Which ledger entries `dmshare revoke <ref>…` means (selectEntries): by id or id prefix, by
// URL however it was pasted; anything that names no entry, or several, is refused whole.
import { describe, expect, it } from "vitest";
import { selectEntries } from "../../src/core/revoke.ts";
import { DmshareError } from "../../src/lib/errors.ts";
import type { LedgerEntry } from "../../src/store/ledger.ts";

function entry(id: string, url: string | null, provider = "dropbox"): LedgerEntry {
  return {
    id,
    provider,
    kind: "photo",
    name: `${id}.jpg`,
    url,
    message: null,
    target: { remotePath: `/dmshare/${id}.jpg`, remoteId: `id:${id}` },
    files: [],
    createdAt: "2026-12-01T10:00:00.000Z",
    expiresAt: null,
    revokedAt: null,
    status: "active",
  };
}

const BEACH = "https://www.dropbox.com/scl/fi/beach01/beach.jpg?rlkey=aaa111&dl=0";
// The same Dropbox file shared twice: same path id, another rlkey.
const BEACH_AGAIN = "https://www.dropbox.com/scl/fi/beach01/beach.jpg?rlkey=bbb222&dl=0";
const CAT = "https://www.dropbox.com/scl/fi/cat02/cat.jpg?rlkey=ccc333&dl=0";
const DRIVE = "https://drive.google.com/file/d/1AbCdEfGhIjK/view?usp=drivesdk";

const ledger = [
  entry("k3x9a1b2", BEACH),
  entry("k3x9zz77", BEACH_AGAIN),
  entry("m0cat555", CAT),
  entry("d1drive9", DRIVE, "gdrive"),
  entry("p0pend00", null),
];

const ids = (refs: string[], onNote?: (text: string) => void) =>
  selectEntries(ledger, refs, onNote).map((selected) => selected.id);

/** The usage error (exit 2) a selection is refused with. */
function refusal(refs: string[]): DmshareError {
  try {
    selectEntries(ledger, refs);
  } catch (error) {
    expect(error).toBeInstanceOf(DmshareError);
    expect((error as DmshareError).exitCode).toBe(2);
    return error as DmshareError;
  }
  throw new Error(`${refs.join(" ")} was not refused`);
}

describe("selectEntries by id", () => {
  it("takes a full id, in any case and with spaces around it", () => {
    expect(ids(["m0cat555"])).toEqual(["m0cat555"]);
    expect(ids([" M0CAT555 "])).toEqual(["m0cat555"]);
  });

  it("takes a unique prefix of at least 4 characters", () => {
    expect(ids(["m0ca"])).toEqual(["m0cat555"]);
    expect(ids(["k3x9a"])).toEqual(["k3x9a1b2"]);
  });

  it("a prefix shorter than 4 characters names nothing, even when unique, and says why", () => {
    expect(refusal(["m0c"]).message).toBe(
      `Can't revoke: "m0c" is too short: ids need at least 4 characters.`,
    );
  });

  it("a prefix that several ids share is refused, asking for the full id", () => {
    expect(refusal(["k3x9"]).message).toBe(
      `Can't revoke: "k3x9" matches 2 links; name one by its full id.`,
    );
  });

  it("the same link named twice is selected once, in the order first named", () => {
    expect(ids(["m0cat555", "k3x9a1b2", "m0ca", CAT])).toEqual(["m0cat555", "k3x9a1b2"]);
  });

  it("nothing is selected when any ref fails: every problem is named at once", () => {
    const error = refusal(["m0cat555", "nope", "k3x9"]);
    expect(error.message).toBe(
      `Can't revoke: "nope" is not a link dmshare made; "k3x9" matches 2 links; name one by its full id.`,
    );
    expect(error.hint).toBe(
      "Nothing was revoked. dmshare list --all shows the ids and URLs it knows.",
    );
  });

  it("no refs select nothing", () => {
    expect(ids([])).toEqual([]);
  });
});

describe("selectEntries by URL", () => {
  it("takes the URL as recorded, or as Dropbox spells it later (&e=1, dl=1)", () => {
    expect(ids([BEACH])).toEqual(["k3x9a1b2"]);
    expect(ids([`${BEACH_AGAIN}&e=1`])).toEqual(["k3x9zz77"]);
    expect(ids([CAT.replace("dl=0", "dl=1")])).toEqual(["m0cat555"]);
  });

  it("takes a URL pasted in quotes or angle brackets, or without https://", () => {
    expect(ids([`<${CAT}>`])).toEqual(["m0cat555"]);
    expect(ids([`'${CAT}'`])).toEqual(["m0cat555"]);
    expect(ids([CAT.replace("https://", "")])).toEqual(["m0cat555"]);
  });

  it("takes a Drive link by its file id, whatever view it opens", () => {
    expect(ids(["https://drive.google.com/file/d/1AbCdEfGhIjK/edit"])).toEqual(["d1drive9"]);
  });

  it("a URL with another rlkey is another link: not a link dmshare made", () => {
    const other = BEACH.replace("aaa111", "zzz999");
    expect(refusal([other]).message).toBe(`Can't revoke: "${other}" is not a link dmshare made.`);
  });

  it("a URL cut at & by the shell still names its one link, with a note to quote URLs", () => {
    const notes: string[] = [];
    expect(
      ids(["https://www.dropbox.com/scl/fi/cat02/cat.jpg?rlkey=ccc333"], (note) =>
        notes.push(note),
      ),
    ).toEqual(["m0cat555"]);
    expect(
      ids(["https://www.dropbox.com/scl/fi/cat02/cat.jpg"], (note) => notes.push(note)),
    ).toEqual(["m0cat555"]);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('The URL was cut at "&"');
  });

  it("a cut URL that matches two links is refused, saying to quote it", () => {
    const cut = "https://www.dropbox.com/scl/fi/beach01/beach.jpg";
    const error = refusal([cut]);
    expect(error.message).toBe(
      `Can't revoke: "${cut}" lost the part after "&" (its rlkey), so it matches 2 links.`,
    );
    expect(error.hint).toContain("Put the URL in single quotes");
  });

  it("a URL of another service is matched only as the exact text recorded", () => {
    expect(refusal(["https://example.com/beach.jpg"]).message).toContain(
      "is not a link dmshare made",
    );
  });
});
