import { describe, expect, it } from "vitest";
import { formatBytes } from "../../src/ui/progress.ts";
import { renderTable } from "../../src/ui/table.ts";

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

describe("renderTable", () => {
  const rows = [
    ["a1", "beach.jpg", "active"],
    ["b22", "tab\there", "\u001b[32mrevoked\u001b[39m"],
  ];

  it("aligns columns under a header on a terminal, ignoring colour codes", () => {
    expect(renderTable(["ID", "NAME", "STATUS"], rows, true)).toEqual([
      "ID   NAME       STATUS",
      "a1   beach.jpg  active",
      "b22  tab here   \u001b[32mrevoked\u001b[39m",
    ]);
  });

  it("prints plain tab-separated rows without a header when piped", () => {
    expect(renderTable(["ID", "NAME", "STATUS"], rows, false)).toEqual([
      "a1\tbeach.jpg\tactive",
      "b22\ttab here\trevoked",
    ]);
  });
});
