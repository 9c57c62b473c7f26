import { describe, expect, it } from "vitest";
import { parseExpiry } from "../../src/core/duration.ts";
import { PRESETS, parsePreset, renderMessage, sharedWhat } from "../../src/core/message.ts";
import { DmshareError } from "../../src/lib/errors.ts";

const now = new Date("2026-11-22T12:00:00Z");

describe("parseExpiry", () => {
  it.each([
    ["30m", "2026-11-22T12:30:00.000Z"],
    ["12h", "2026-11-23T00:00:00.000Z"],
    ["7d", "2026-11-29T12:00:00.000Z"],
    ["2w", "2026-12-06T12:00:00.000Z"],
    ["2026-12-01T08:00:00Z", "2026-12-01T08:00:00.000Z"],
  ])("reads %s", (input, expected) => {
    expect(parseExpiry(input, now).toISOString()).toBe(expected);
  });

  it("reads a bare date as the end of that day, local time", () => {
    const when = parseExpiry("2026-12-31", now);
    expect([when.getFullYear(), when.getMonth(), when.getDate(), when.getHours()]).toEqual([
      2026, 11, 31, 23,
    ]);
  });

  it.each(["soon", "7", "-3d", "0h", "2020-01-01", "2026-02-30x", "2026-13-45T00:00"])(
    "refuses %j with exit code 2",
    (input) => {
      let error: unknown;
      try {
        parseExpiry(input, now);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(DmshareError);
      expect((error as DmshareError).exitCode).toBe(2);
      expect((error as DmshareError).message).toContain(input);
    },
  );
});

describe("renderMessage", () => {
  const facts = {
    url: "https://example.test/s/abc",
    kind: "photo" as const,
    what: "photo",
    name: "beach.jpg",
    count: 1,
    expiresAt: null,
    provider: "Dropbox",
  };

  it("reads naturally for a photo and for an album", () => {
    expect(renderMessage(facts)).toBe("Here's the photo: https://example.test/s/abc");
    expect(renderMessage({ ...facts, kind: "album", what: "photos", count: 3, name: "Trip" })).toBe(
      "Here are the photos (3): https://example.test/s/abc",
    );
  });

  it("says video for a video, and what an album holds", () => {
    expect(renderMessage({ ...facts, what: "video" })).toBe(
      "Here's the video: https://example.test/s/abc",
    );
    const album = { ...facts, kind: "album" as const, what: "photos and videos", count: 3 };
    expect(renderMessage(album, { preset: "friendly" })).toBe(
      "Hi! I put 3 photos and videos here for you 🙂 https://example.test/s/abc",
    );
  });

  it("says when the link expires", () => {
    const message = renderMessage({ ...facts, expiresAt: new Date("2026-12-31T23:59:00Z") });
    expect(message).toMatch(
      /^Here's the photo \(the link works until Dec 31, 2026, \d\d:\d\d\): https/,
    );
  });

  it("fills a user template's placeholders", () => {
    const template = "{name} via {provider} ({count}), until {expires}: {url}";
    expect(renderMessage(facts, { template })).toBe(
      "beach.jpg via Dropbox (1), until never: https://example.test/s/abc",
    );
  });
});

describe("sharedWhat", () => {
  it.each([
    ["photo", ["image/jpeg"], "photo"],
    ["photo", ["video/mp4"], "video"],
    ["photo", ["application/pdf"], "file"],
    ["album", ["image/jpeg", "image/heic"], "photos"],
    ["album", ["video/quicktime", "video/mp4"], "videos"],
    ["album", ["image/png", "video/mp4"], "photos and videos"],
    ["album", ["image/png", "text/plain"], "files"],
  ] as const)("a %s of %j is %j", (kind, mimes, words) => {
    expect(
      sharedWhat(
        kind,
        mimes.map((mime) => ({ mime })),
      ),
    ).toBe(words);
  });
});

describe("message presets", () => {
  const photo = {
    url: "https://example.test/s/abc",
    kind: "photo" as const,
    what: "photo",
    name: "beach.jpg",
    count: 1,
    expiresAt: null,
    provider: "Dropbox",
  };
  const album = {
    ...photo,
    kind: "album" as const,
    what: "photos",
    name: "Lisbon trip",
    count: 3,
  };
  const expiring = { ...photo, expiresAt: new Date("2026-12-31T12:00:00Z") };

  it("casual is the default wording", () => {
    expect(renderMessage(photo, { preset: "casual" })).toBe(renderMessage(photo));
    expect(renderMessage(album, { preset: "casual" })).toBe(renderMessage(album));
  });

  it.each(Object.keys(PRESETS))("%s keeps the link, names albums, says when it expires", (name) => {
    const preset = parsePreset(name);
    for (const facts of [photo, album, expiring]) {
      expect(renderMessage(facts, { preset })).toContain(photo.url);
    }
    if (preset === "minimal") {
      expect(renderMessage(expiring, { preset })).toBe(photo.url);
      return;
    }
    expect(renderMessage(album, { preset })).toContain("3");
    expect(renderMessage(expiring, { preset })).toMatch(/Dec 31, 2026/);
    expect(renderMessage(photo, { preset })).not.toMatch(/never|\{/);
  });

  it("professional names what is shared", () => {
    expect(renderMessage(album, { preset: "professional" })).toBe(
      'Please find the album "Lisbon trip" (3 photos) at this view-only link: https://example.test/s/abc',
    );
  });

  it("an unknown preset is exit 2 naming every preset", () => {
    let error: unknown;
    try {
      parsePreset("poetic");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DmshareError);
    expect((error as DmshareError).exitCode).toBe(2);
    expect((error as DmshareError).message).toContain('"poetic"');
    for (const name of Object.keys(PRESETS)) expect((error as DmshareError).hint).toContain(name);
  });
});
