import { Chalk } from "chalk";
import { describe, expect, it } from "vitest";
import { inspectionText } from "../../src/cli/inspect/render.ts";
import type { Inspection } from "../../src/core/inspect.ts";
import type { Finding } from "../../src/media/scan/index.ts";

const plain = new Chalk({ level: 0 });

const finding = (over: Partial<Finding>): Finding => ({
  category: "device",
  what: "camera model",
  where: "EXIF (APP1) IFD0",
  refuse: true,
  ...over,
});

const inspection = (over: Partial<Inspection> = {}): Inspection => ({
  file: "IMG_0001.jpg",
  format: "JPEG",
  bytes: 3 * 1024 * 1024,
  before: { findings: [], kept: [] },
  after: { verdict: "clean", removed: [], findings: [], kept: [] },
  ...over,
});

describe("inspect's renderer", () => {
  it("a file that tells nothing, and its clean copy", () => {
    expect(inspectionText(inspection({ bytes: 100 }), plain)).toBe(
      [
        "IMG_0001.jpg (JPEG, 1 KB)",
        "  Tells nothing about you: no location, device, names, dates or other metadata.",
        "  What dmshare would send:",
        "    a clean copy (nothing to remove); the picture itself is unchanged.",
      ].join("\n"),
    );
  });

  it("groups what a file tells by category, with the location and where it was found", () => {
    const text = inspectionText(
      inspection({
        before: {
          findings: [
            finding({ category: "location", what: "GPS latitude", where: "EXIF (APP1) GPS IFD" }),
            finding({ what: "camera model", value: "Pixel 8" }),
            finding({ what: "camera model", value: "Pixel 8", where: "XMP" }),
          ],
          kept: [],
          location: { latitude: 38.7, longitude: -9.1, precision: "about 10 m" },
        },
        after: {
          verdict: "clean",
          removed: ["GPS location", "camera model"],
          findings: [],
          kept: [{ what: "orientation" } as Inspection["after"]["kept"][0]],
        },
      }),
      plain,
    );
    expect(text.split("\n")).toEqual([
      "IMG_0001.jpg (JPEG, 3.0 MB)",
      "  What it tells about you:",
      "    Location    38.7, -9.1 (about 10 m); GPS latitude (in EXIF (APP1))",
      '    Device      camera model "Pixel 8" (in EXIF (APP1), XMP)',
      "  What dmshare would send:",
      "    a clean copy (removed: GPS location, camera model); the picture itself is unchanged.",
      "    Kept, to show it the same way: orientation.",
    ]);
  });

  it("a copy that would be refused says why and how to send it anyway", () => {
    const owner = finding({ category: "people", what: "owner name", value: "Ana" });
    const text = inspectionText(
      inspection({
        before: { findings: [owner], kept: [] },
        after: {
          verdict: "refused",
          removed: [],
          findings: [owner],
          kept: [],
          reason: "the owner name is still there",
        },
      }),
      plain,
    );
    expect(text).toContain(
      "    refused: the owner name is still there; `dmshare send` stops with exit 2 and uploads nothing.",
    );
    expect(text).toContain("    To send it anyway, with all its metadata: --keep-metadata.");
  });
});
