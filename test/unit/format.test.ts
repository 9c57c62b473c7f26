import { describe, expect, it } from "vitest";
import { formatBytes } from "../../src/ui/progress.ts";

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [999.6, "1000 B"],
    [1000, "1.0 KB"],
    [2_400_000, "2.4 MB"],
    [90_000_000, "90 MB"],
    [1_500_000_000, "1.5 GB"],
  ])("%d bytes → %s", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
