import { describe, expect, it } from "vitest";
import { distinctNames } from "../../src/core/send/names.ts";
import type { LocalFile } from "../../src/providers/provider.ts";

const file = (path: string, name: string): LocalFile => ({
  path,
  contentPath: path,
  name,
  bytes: 1,
  mime: "image/jpeg",
  modifiedAt: new Date(0),
});

describe("an album's remote names", () => {
  it("keep the first of each name and number the others in order", () => {
    const files = [
      file("/a/beach.jpg", "beach.jpg"),
      file("/b/beach.jpg", "beach.jpg"),
      file("/c/Beach.JPG", "Beach.JPG"),
      file("/d/sea", "sea"),
      file("/e/sea", "sea"),
    ];
    expect(distinctNames(files).map((each) => each.name)).toEqual([
      "beach.jpg",
      "beach-2.jpg",
      "Beach-3.JPG",
      "sea",
      "sea-2",
    ]);
    // The local files are the same ones: only the remote name changes.
    expect(distinctNames(files).map((each) => each.path)).toEqual(files.map((each) => each.path));
  });

  it("never take a name another file of the album already has", () => {
    const files = [
      file("/a/beach.jpg", "beach.jpg"),
      file("/b/beach.jpg", "beach.jpg"),
      file("/c/beach-2.jpg", "beach-2.jpg"),
    ];
    expect(distinctNames(files).map((each) => each.name)).toEqual([
      "beach.jpg",
      "beach-3.jpg",
      "beach-2.jpg",
    ]);
  });

  it("leave distinct names alone", () => {
    const files = [file("/a/x.jpg", "x.jpg"), file("/a/y.jpg", "y.jpg")];
    expect(distinctNames(files)).toEqual(files);
  });
});
