import { describe, expect, it } from "vitest";
import { displayWidth, fitColumns, safeCell, tableLine, truncate } from "../../src/ui/table.ts";

describe("display width and truncation", () => {
  it("counts wide characters as 2 and combining marks as 0", () => {
    expect(displayWidth("beach.jpg")).toBe(9);
    expect(displayWidth("東京")).toBe(4);
    expect(displayWidth("e\u0301te\u0301")).toBe(3);
    expect(displayWidth("🎉")).toBe(2);
    expect(displayWidth("👨‍👩‍👧")).toBe(2);
  });

  it("cuts at whole characters, ending in …, within the width", () => {
    expect(truncate("beach.jpg", 9)).toBe("beach.jpg");
    expect(truncate("beach.jpg", 6)).toBe("beach…");
    expect(truncate("東京東京", 5)).toBe("東京…");
    expect(truncate("東京東京", 4)).toBe("東…");
    expect(truncate("e\u0301e\u0301e\u0301", 2)).toBe("e\u0301…");
    expect(truncate("👨‍👩‍👧👨‍👩‍👧", 3)).toBe("👨‍👩‍👧…");
    expect(truncate("abc", 0)).toBe("");
  });

  it("keeps a cell on one line, without escapes, controls or bidi overrides", () => {
    expect(safeCell("plain")).toBe("plain");
    expect(safeCell("a\tb\nc\r")).toBe("a b c ");
    expect(safeCell("\u001b[31mred\u001b[39m")).toBe("red");
    expect(safeCell("gpj.\u202eexe")).toBe("gpj.\uFFFDexe");
    expect(safeCell("bell\u0007 back\b \u2066x\u2069")).toBe("bell\uFFFD back\uFFFD \uFFFDx\uFFFD");
  });
});

describe("fitting columns", () => {
  const columns = [
    { title: "ID" },
    { title: "KIND", dropOrder: 1 },
    { title: "NAME", flex: { min: 4 } },
    { title: "URL", flex: { min: 6 } },
  ];
  const rows = [["a1", "photo", "a long name here", "https://example.com/a/long/url"]];

  it("shares the flexible width and cuts there only; drops columns before the minimums", () => {
    const roomy = fitColumns(columns, rows, 100);
    expect(tableLine(roomy, rows[0] ?? [])).toBe(
      "a1  photo  a long name here  https://example.com/a/long/url",
    );
    const tight = fitColumns(columns, rows, 30);
    expect(tableLine(tight, ["ID", "KIND", "NAME", "URL"])).toBe("ID  KIND   NAME       URL");
    expect(tableLine(tight, rows[0] ?? [])).toBe("a1  photo  a long n…  https:/…");
    const narrow = fitColumns(columns, rows, 20);
    expect(tableLine(narrow, rows[0] ?? [])).toBe("a1  a long…  https:…");
  });

  it("a later row's wider fixed cell is printed whole, its flexible cells giving way", () => {
    const layout = fitColumns(columns, rows, 40);
    const later = tableLine(layout, ["a1-much-longer", "album", "name", "https://example.com/x"]);
    expect(later.startsWith("a1-much-longer")).toBe(true);
    expect(displayWidth(later)).toBeLessThanOrEqual(40);
  });
});
