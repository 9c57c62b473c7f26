import { describe, expect, it } from "vitest";
import { defaultAlbumName, planShares, sanitizeAlbumName } from "../../src/core/plan.ts";
import type { LocalFile } from "../../src/providers/provider.ts";

const file = (name: string): LocalFile => ({
  path: `/photos/${name}`,
  contentPath: `/photos/${name}`,
  name,
  bytes: 10,
  mime: "image/jpeg",
  modifiedAt: new Date(0),
});
const now = new Date(2026, 10, 22, 14, 5);

describe("planShares", () => {
  it("gives one photo link for one file", () => {
    expect(planShares([file("a.jpg")], { each: false }, now)).toEqual([
      { kind: "photo", name: "a.jpg", files: [file("a.jpg")] },
    ]);
  });

  it("gives one album for several files, named after the time by default", () => {
    const [plan, ...rest] = planShares([file("a.jpg"), file("b.jpg")], { each: false }, now);
    expect(rest).toEqual([]);
    expect(plan).toMatchObject({ kind: "album", name: "dmshare 2026-11-22 14.05" });
    expect(plan?.files).toHaveLength(2);
  });

  it("makes an album of one file when --album is given", () => {
    expect(planShares([file("a.jpg")], { each: false, album: "Trip" }, now)[0]).toMatchObject({
      kind: "album",
      name: "Trip",
    });
  });

  it("gives a photo link per file with --each", () => {
    const plans = planShares([file("a.jpg"), file("b.jpg")], { each: true }, now);
    expect(plans.map((plan) => [plan.kind, plan.name])).toEqual([
      ["photo", "a.jpg"],
      ["photo", "b.jpg"],
    ]);
  });

  it("refuses --each with --album", () => {
    expect(() => planShares([file("a.jpg")], { each: true, album: "x" }, now)).toThrow(
      /--each and --album/,
    );
  });
});

describe("album names", () => {
  it("pads the default name", () => {
    expect(defaultAlbumName(new Date(2027, 0, 2, 3, 4))).toBe("dmshare 2027-01-02 03.04");
  });

  it.each([
    ["Lisbon trip", "Lisbon trip"],
    ["a/b\\c", "a-b-c"],
    ["/", "-"],
    ["../../etc", "-..-etc"],
    ["  tab\there\nnew  ", "tab here new"],
    ["...hidden...", "hidden"],
    ["Cafe\u0301 😀", "Café 😀"],
  ])("turns %j into a safe folder name %j", (raw, safe) => {
    expect(sanitizeAlbumName(raw)).toBe(safe);
  });

  it("caps long names at 100 characters", () => {
    expect(Array.from(sanitizeAlbumName("x".repeat(300)))).toHaveLength(100);
  });

  it.each(["..", "   ", "\u0001", " . "])("refuses %j, which has nothing usable", (raw) => {
    expect(() => sanitizeAlbumName(raw)).toThrow(/no usable characters/);
  });
});
