import { stripVTControlCharacters } from "node:util";
import { Chalk } from "chalk";
import { describe, expect, it } from "vitest";
import { expiryCell, rfc3339, shortDate } from "../../src/cli/list/cells.ts";
import { FIELDS, parseFields, selectFields } from "../../src/cli/list/fields.ts";
import { LinksTable, noLinksLine, tsvLines } from "../../src/cli/list/render.ts";
import {
  type LinkStatus,
  type LinkSummaryView,
  type LinkView,
  LINK_STATUSES as STATUSES,
} from "../../src/core/links.ts";
import { displayWidth } from "../../src/ui/table.ts";

const NOW = new Date("2026-11-22T12:00:00Z");
const plain = new Chalk({ level: 0 });
const coloured = new Chalk({ level: 1 });
const DROPBOX_URL =
  "https://www.dropbox.com/scl/fi/8f2kq0x1bz7c3m4n5p6q7/beach.jpg?rlkey=abcdefghijklmnopqrstuvwxy&dl=0";

const summary = (over: Partial<LinkSummaryView> = {}): LinkSummaryView => ({
  id: "k3x9m2qa",
  provider: "dropbox",
  kind: "photo",
  name: "beach.jpg",
  url: DROPBOX_URL,
  createdAt: "2026-11-20T12:00:00.123Z",
  expiresAt: null,
  expiryEnforcedBy: null,
  status: "active",
  ...over,
});

/** One link of each status and of each awkward name, as a real ledger may hold. */
const MIXED: LinkSummaryView[] = [
  summary(),
  summary({ id: "cjk00001", name: "東京の夜景と富士山の写真アルバム.jpg", provider: "gdrive" }),
  summary({ id: "comb0001", name: "Cafe\u0301 de Flore, Montmartre, e\u0301te\u0301.jpg" }),
  summary({ id: "emoj0001", name: "👨‍👩‍👧 family 🎉🎂 birthday party.jpg", provider: "gphotos" }),
  summary({
    id: "album001",
    kind: "album",
    name: "Summer holidays in Lisbon, Porto and the Algarve with the whole family 2026",
  }),
  ...STATUSES.map((status, n) =>
    summary({
      id: `stat000${n}`,
      status,
      expiresAt: status === "expired" || status === "overdue" ? "2026-11-22T10:00:00Z" : null,
      url: status === "pending" ? null : DROPBOX_URL,
    }),
  ),
  summary({ id: "soon0001", expiresAt: "2026-12-04T12:00:00Z" }),
];

// biome-ignore lint/suspicious/noControlCharactersInRegex: what must never be printed
const UNPRINTABLE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const table = (links: LinkSummaryView[], width: number | undefined, style = plain) =>
  new LinksTable(NOW, style, width).page(links).split("\n");

/** The screen column where `text` starts in `line`. */
const columnOf = (line: string, text: string) => displayWidth(line.slice(0, line.indexOf(text)));

describe("list at a terminal", () => {
  it.each([40, 80, 100, 200])(
    "at %i columns: one screen line per link, ID and STATUS whole, no trailing padding",
    (width) => {
      const lines = table(MIXED, width);
      expect(lines).toHaveLength(MIXED.length + 1);
      for (const [n, line] of lines.entries()) {
        expect(displayWidth(line), line).toBeLessThanOrEqual(width);
        expect(line).toBe(line.trimEnd());
        const link = MIXED[n - 1];
        if (link) {
          expect(line.startsWith(`${link.id}  `)).toBe(true);
          expect(line).toContain(`  ${link.status}`);
        }
      }
    },
  );

  it("keeps the dates at 80 and 100 columns; a narrow terminal drops KIND, PROVIDER first", () => {
    const typical = MIXED.filter((link) => link.status !== "needs-sharing");
    for (const width of [80, 100]) {
      const [header, ...rows] = table(typical, width);
      expect(header).toMatch(/^ID {2,}.*NAME .* CREATED .* EXPIRES .* STATUS .* URL$/);
      expect(rows[0]).toContain(shortDate(new Date(MIXED[0]?.createdAt ?? ""), NOW));
      expect(rows.at(-1)).toContain("in 12 days");
    }
    expect(table(typical, 100)[0]).toMatch(/^ID +PROVIDER +KIND +NAME /);
    expect(table(typical, 80)[0]).toMatch(/^ID +NAME +CREATED /);
    // A 13-column status (needs-sharing) on the page still leaves room for CREATED at 80: the
    // cut URL keeps its scheme and the start of its host, enough to tell the services apart.
    const [header = "", ...rows] = table(MIXED, 80);
    expect(header).toMatch(/^ID +NAME +CREATED +EXPIRES +STATUS +URL$/);
    expect(rows.find((row) => row.includes("needs-sharing"))).toBeDefined();
    for (const row of rows) expect(row).toMatch(/ https:\/\/www\.dr\S*$|[a-z-]$/);
    expect(table(MIXED, 79)[0]).toMatch(/^ID +NAME +EXPIRES +STATUS +URL$/);
    // With room to spare the URL keeps its host before KIND comes back.
    const [wider = "", ...widerRows] = table(MIXED, 100);
    expect(wider).toMatch(/^ID +PROVIDER +NAME +CREATED +EXPIRES +STATUS +URL$/);
    expect(widerRows[0]).toMatch(/ https:\/\/www\.dropbox\S*…$/);
    expect(table(MIXED, 200)[0]).toMatch(
      /^ID +PROVIDER +KIND +NAME +CREATED +EXPIRES +STATUS +URL$/,
    );
  });

  it("columns line up with wide (CJK, emoji) and combining characters", () => {
    for (const width of [80, 100, 200]) {
      const [header = "", ...rows] = table(MIXED, width);
      const statusAt = columnOf(header, "STATUS");
      const urlAt = columnOf(header, "URL");
      for (const [n, row] of rows.entries()) {
        expect(columnOf(row, `  ${MIXED[n]?.status}`) + 2, row).toBe(statusAt);
        if (MIXED[n]?.url) expect(columnOf(row, "https://"), row).toBe(urlAt);
      }
    }
  });

  it("cuts NAME and URL with …, keeping a URL's start and whole characters", () => {
    const rows = table(MIXED, 80).slice(1);
    expect(rows[0]).toMatch(/ https:\/\/www\.dr\S*…$/);
    expect(rows[1]).toMatch(/ 東京の夜景\S*… /);
    expect(rows.join("\n")).not.toContain("\uFFFD");
  });

  it("one long album name does not widen the other rows", () => {
    const links = [
      summary(),
      summary({ id: "b0000001", name: "x".repeat(300), kind: "album", url: null }),
    ];
    for (const width of [80, 100, 200]) {
      const lines = table(links, width);
      expect(Math.max(...lines.map(displayWidth))).toBeLessThanOrEqual(width);
      expect(lines[2]).toMatch(/x… {2}/);
      expect(lines[2]).toBe(lines[2]?.trimEnd());
    }
  });

  it("--wide (no width) shows every column and every cell in full", () => {
    const long = summary({ name: "y".repeat(150) });
    const lines = table([long], undefined);
    expect(lines[0]).toMatch(/^ID +PROVIDER +KIND +NAME/);
    expect(lines[1]).toContain("y".repeat(150));
    expect(lines[1]?.endsWith(DROPBOX_URL)).toBe(true);
  });

  it("never says a revoked or expired link expires in anything; shows the state", () => {
    const expiry = (status: LinkStatus, expiresAt: string | null) =>
      expiryCell(summary({ status, expiresAt }), NOW);
    expect(expiry("active", null)).toBe("never");
    expect(expiry("active", "2026-11-25T12:00:00Z")).toBe("in 3 days");
    expect(expiry("active", "2026-11-22T12:00:20Z")).toBe("in <1 min");
    expect(expiry("expired", "2026-11-22T10:00:00Z")).toBe("2 h ago");
    expect(expiry("overdue", "2026-11-22T10:00:00Z")).toBe("2 h ago");
    expect(expiry("revoked", "2026-11-29T12:00:00Z")).toBe("-");
    const text = table(
      STATUSES.map((status) => summary({ status, expiresAt: "2026-11-29T12:00:00Z" })),
      200,
    ).join("\n");
    expect(text.match(/in 7 days/g)).toHaveLength(5);
    expect(text).not.toMatch(/revoked.*in 7 days|in 7 days.*revoked/);
  });

  it("colours the status only through the style it is given, without moving the columns", () => {
    const [, row = ""] = table([summary()], 100, coloured);
    expect(row).toContain("\u001b[32mactive\u001b[39m");
    expect(stripVTControlCharacters(row)).toBe(table([summary()], 100)[1]);
    expect(table([summary()], 100).join("\n")).not.toContain("\u001b[");
  });

  it("no control character or bidi override of a name reaches the terminal", () => {
    const hostile = summary({
      name: "gpj.\u202eexe\u202c \u001b[2J\u001b]0;title\u0007 bell\u0007 back\b cr\r\nnext",
      url: "https://example.com/\u009b31m",
    });
    for (const line of [...table([hostile], 200), ...table([hostile], 80), tsvLines([hostile])]) {
      expect(line).not.toMatch(UNPRINTABLE);
    }
    expect(table([hostile], 200)[1]).toContain("gpj.\uFFFDexe\uFFFD");
  });

  it("says how to start, or that nothing matches", () => {
    expect(noLinksLine(false)).toBe(
      "No links yet. Send a photo with: dmshare send photo.jpg --via dropbox",
    );
    expect(noLinksLine(true)).toBe("No links match.");
  });
});

describe("list piped", () => {
  it("is tab-separated, RFC 3339 UTC times, an empty expiry for never, no header", () => {
    const links = [
      summary({ expiresAt: "2026-12-06T10:00:00.000Z", status: "active" }),
      summary({ id: "7hw2aaaa", name: "tab\there", status: "revoked", expiresAt: null }),
    ];
    expect(tsvLines(links).split("\n")).toEqual([
      `k3x9m2qa\tdropbox\tphoto\tbeach.jpg\t2026-11-20T12:00:00Z\t2026-12-06T10:00:00Z\tactive\t${DROPBOX_URL}`,
      `7hw2aaaa\tdropbox\tphoto\ttab here\t2026-11-20T12:00:00Z\t\trevoked\t${DROPBOX_URL}`,
    ]);
    expect(tsvLines(links, true).split("\n")[0]).toBe(
      "ID\tPROVIDER\tKIND\tNAME\tCREATED\tEXPIRES\tSTATUS\tURL",
    );
    expect(
      tsvLines([summary({ status: "overdue", expiresAt: "2026-11-22T10:00:00Z" })]),
    ).not.toMatch(/expires in|due \d|ago/);
  });

  it("writes any stored time as RFC 3339 UTC to the second", () => {
    expect(rfc3339("2026-12-06T10:00:00Z")).toBe("2026-12-06T10:00:00Z");
    expect(rfc3339("2026-12-06T10:00:00.999Z")).toBe("2026-12-06T10:00:00Z");
    expect(rfc3339("2026-12-06T11:00:00+01:00")).toBe("2026-12-06T10:00:00Z");
  });
});

describe("list --json fields", () => {
  const view = { ...summary(), ownerUrl: null, message: null, files: [], revokedAt: null };

  it("selects the fields asked for, in their order, once each", () => {
    expect(parseFields("id, url,name,id")).toEqual(["id", "url", "name"]);
    expect(selectFields([view as LinkView], ["url", "id"])).toEqual([
      { url: DROPBOX_URL, id: "k3x9m2qa" },
    ]);
    expect(FIELDS).toContain("expiryEnforcedBy");
  });

  it("refuses an unknown field with exit 2, the closest field and the list", () => {
    for (const [typo, near] of [
      ["nmae", "name"],
      ["URL", "url"],
      ["created", "createdAt"],
    ] as const) {
      const error = (() => {
        try {
          parseFields(`id,${typo}`);
        } catch (caught) {
          return caught as { message: string; hint: string; exitCode: number };
        }
      })();
      expect(error?.exitCode).toBe(2);
      expect(error?.message).toBe(`Unknown field "${typo}" for --json.`);
      expect(error?.hint).toMatch(
        new RegExp(`^Did you mean ${near}\\? Fields: id, provider, kind, name, url,`),
      );
    }
    expect(() => parseFields("zzzzzzzz")).toThrow(/^Unknown field "zzzzzzzz" for --json\.$/);
    expect(() => parseFields(",")).toThrow("empty list of fields");
  });
});
