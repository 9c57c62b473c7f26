// The revoke picker's rows: ledger names and URLs are shown as text only.
import { describe, expect, it } from "vitest";
import { pickerChoice } from "../../src/cli/revoke/picker.ts";

const NOW = Date.parse("2026-12-06T12:00:00Z");
const link = {
  id: "q4m8zt2c",
  name: "beach.jpg",
  url: "https://www.dropbox.com/scl/fi/abc/beach.jpg?rlkey=k&dl=0",
  createdAt: "2026-12-06T10:00:00Z",
  status: "active" as const,
};

describe("revoke picker rows", () => {
  it("show id, name and age on one line, the URL below", () => {
    expect(pickerChoice(link, NOW)).toEqual({
      value: "q4m8zt2c",
      name: "q4m8zt2c  beach.jpg  2 h ago",
      description: link.url,
      short: "q4m8zt2c",
    });
  });

  it("never pass an escape sequence, control character or bidi override to the terminal", () => {
    const hostile = {
      ...link,
      name: "invoice\u202Egpj.exe \u001b]0;pwned\u0007\u2066x",
      url: "https://www.dropbox.com/scl/fi/abc/\u202Ex.jpg",
    };
    const choice = pickerChoice(hostile, NOW);
    for (const text of [choice.name, choice.description ?? ""]) {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
      expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    }
    expect(choice.name).toContain("invoice\uFFFDgpj.exe");
  });
});
