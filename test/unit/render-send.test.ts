import { describe, expect, it } from "vitest";
import { photoChoice, pickedSummary } from "../../src/cli/send/interactive.ts";
import {
  accountLabel,
  describePlan,
  describePreparation,
  interruptedLine,
  labelledMessages,
  linkDocuments,
  partialWarning,
  preparationNotes,
} from "../../src/cli/send/render.ts";
import type { PreparedPlan, SendOutcome } from "../../src/core/send/index.ts";
import { usageError } from "../../src/lib/errors.ts";
import { preparedFile } from "../helpers/prepared.ts";

const file = preparedFile;

const removal = (locationRemoved: boolean, extra: object = {}) => ({
  removed: ["GPS location"],
  locationRemoved,
  ...extra,
});

const photo: PreparedPlan = { kind: "photo", name: "beach.jpg", files: [file("beach.jpg", 2048)] };
const album: PreparedPlan = {
  kind: "album",
  name: "Lisbon",
  files: [file("a.jpg", 1_000_000), file("b.jpg", 1_000_000)],
};

const outcome = (over: Partial<SendOutcome> = {}): SendOutcome => ({
  provider: "dropbox",
  plans: [photo],
  links: [],
  failures: [],
  interrupted: false,
  ...over,
});

describe("send's renderer", () => {
  it("describes a photo and an album with their size and details", () => {
    expect(describePlan(photo)).toBe("beach.jpg (2.0 KB)");
    expect(describePlan(photo, ["location data removed"])).toBe(
      "beach.jpg (2.0 KB, location data removed)",
    );
    // "to" only once: the upload line adds "to <account>" after it.
    expect(describePlan(album)).toBe('album "Lisbon" (2 files, 2.0 MB)');
    expect(describePlan(album, ["location data removed from 1 of 2"])).toBe(
      'album "Lisbon" (2 files, 2.0 MB, location data removed from 1 of 2)',
    );
  });

  it("names a photo or album as text only: a bidi override or escape in a name is not printed", () => {
    const hostile = { ...photo, name: "trip\u202egpj.exe" };
    expect(describePlan(hostile)).toBe("trip\uFFFDgpj.exe (2.0 KB)");
    expect(describePlan({ ...album, name: "A\u001b[2Jb" })).toBe('album "Ab" (2 files, 2.0 MB)');
  });

  it("says location data was removed, and from how many files of an album", () => {
    const one = { ...photo, files: [file("beach.jpg", 1, { metadata: removal(true) })] };
    expect(describePreparation(one)).toEqual(["location data removed"]);
    const some: PreparedPlan = {
      ...album,
      files: [
        file("a.jpg", 1, { metadata: removal(true), reencoded: ["converted from HEIC to JPEG"] }),
        file("b.jpg", 1, { metadata: removal(false) }),
      ],
    };
    expect(describePreparation(some)).toEqual([
      "location data removed from 1 of 2",
      "a.jpg converted from HEIC to JPEG",
    ]);
    expect(describePreparation(photo)).toEqual([]);
  });

  it("names the file in what could not be done to it", () => {
    const plan: PreparedPlan = {
      ...album,
      files: [
        file("a.mov", 1, {
          metadata: removal(false, {
            notRemoved: "its maker notes stay",
            notes: ["the video was dropped"],
          }),
          notes: ["--resize does not apply to videos"],
        }),
      ],
    };
    expect(preparationNotes(plan)).toEqual([
      "a.mov: its maker notes stay",
      "a.mov: the video was dropped",
      "--resize does not apply to videos",
    ]);
  });

  it("labels each message of several links with its file, unless the wording names it", () => {
    const url = (name: string) => `https://x.test/${name}?dl=0`;
    const link = (name: string, message: string) => ({ name, url: url(name), message });
    expect(labelledMessages([link("a.jpg", `Here: ${url("a.jpg")}`)])).toEqual([
      `Here: ${url("a.jpg")}`,
    ]);
    expect(
      labelledMessages([
        link("a.jpg", url("a.jpg")),
        link("b.jpg", `Please find "b.jpg" at ${url("b.jpg")}`),
      ]),
    ).toEqual([`a.jpg: ${url("a.jpg")}`, `Please find "b.jpg" at ${url("b.jpg")}`]);
  });

  it("a failed share is a JSON object with its error", () => {
    const result = outcome({ failures: [{ plan: photo, error: usageError("Nope.", "Do this.") }] });
    expect(linkDocuments(result, false, new Date(0), {})).toEqual([
      {
        kind: "photo",
        name: "beach.jpg",
        files: [{ path: "/photos/beach.jpg", remotePath: null, bytes: 2048 }],
        status: "failed",
        error: { message: "Nope.", hint: "Do this.", exitCode: 2 },
      },
    ]);
  });

  it("words the --partial warning and the interruption", () => {
    expect(partialWarning(1)[0]).toBe("The link shares the album without that file (--partial).");
    expect(partialWarning(3)[0]).toBe(
      "The link shares the album without those 3 files (--partial).",
    );
    expect(interruptedLine(outcome({ plans: [photo, album] }))).toBe(
      "Interrupted: 0 of 2 links were made (shown above); the rest were not sent.",
    );
  });
});

describe("what send says about where and what", () => {
  it("names the account the files went to, or the provider alone when it would not say", () => {
    const alice = { name: "Alice", email: "alice@example.com" };
    expect(accountLabel("Dropbox", alice)).toBe("alice@example.com (Dropbox)");
    expect(accountLabel("Dropbox", { ...alice, email: null })).toBe("Alice (Dropbox)");
    expect(accountLabel("Dropbox", undefined)).toBe("Dropbox");
    expect(accountLabel("Dropbox", { name: "\u001b[2Jx", email: null })).not.toContain("\u001b");
  });

  it("sums up photos picked at the terminal instead of listing every name", () => {
    const photos = Array.from({ length: 12 }, (_, i) => ({ name: `p${i}.jpg`, bytes: 4_000_000 }));
    expect(pickedSummary(photos)).toBe("12 photos selected, 48 MB");
    expect(pickedSummary(photos.slice(0, 1))).toBe("p0.jpg (4.0 MB)");
  });

  it("a photo in the picker fits one terminal line: the name is cut with …, its size kept", () => {
    const long = "a-very-long-file-name-from-the-camera-roll-IMG_20261122_183045_HDR.jpg";
    const label = photoChoice({ name: long, bytes: 800_000 }, 80);
    // "❯◯ " before it: 3 columns.
    expect(label.length + 3).toBeLessThanOrEqual(80);
    expect(label).toMatch(/^a-very-long-file-name.*… \(800 KB\)$/);
    expect(photoChoice({ name: "beach.jpg", bytes: 2_400_000 }, 80)).toBe("beach.jpg (2.4 MB)");
    expect(photoChoice({ name: "東京の夜景と富士山の写真アルバム.jpg", bytes: 1 }, 30)).toMatch(
      /…/,
    );
  });
});
