import stringWidth from "string-width";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { statusOf } from "../../src/core/links.ts";
import { tempDir } from "../helpers/cli.ts";
import { LIST_LINKS, LIST_NOW, seedLinks } from "../helpers/list-links.ts";
import { useTerminals } from "../helpers/tmux.ts";

// `dmshare list` in a real terminal (tmux, the built binary): each link on exactly one screen
// line, the columns lined up, with long, CJK, accented and emoji names.
let work: { dir: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  work = await tempDir();
  await seedLinks(work.dir);
});
afterEach(async () => {
  await work.cleanup();
});
// Registered after the clean-up: after-each hooks run last first, so the terminal closes first.
const openTerminal = useTerminals();

const shown = LIST_LINKS.filter((link) => link.status !== "revoked");

/** The screen column where `text` starts in `line` (tmux draws wide characters 2 wide). */
const columnOf = (line: string, text: string) => stringWidth(line.slice(0, line.indexOf(text)));

describe("dmshare list at a terminal", () => {
  it.each([80, 100])(
    "at %i columns: one screen line per link, columns lined up",
    async (columns) => {
      const terminal = await openTerminal(["list"], {
        cwd: work.dir,
        columns,
        rows: 30,
        env: { DMSHARE_CONFIG_DIR: work.dir, DMSHARE_NOW: LIST_NOW, LANG: "C.UTF-8" },
      });
      expect(await terminal.exitCode()).toBe(0);
      // The screen with wrapped lines joined: a link that took two screen lines would show as
      // one line wider than the terminal.
      const lines = (await terminal.screen()).split("\n").filter((line) => line.trim() !== "");
      expect(lines, lines.join("\n")).toHaveLength(shown.length + 1);
      const [header = "", ...rows] = lines;
      for (const line of lines) expect(stringWidth(line), line).toBeLessThanOrEqual(columns);
      for (const title of ["ID", "NAME", "EXPIRES", "STATUS", "URL"])
        expect(header).toContain(title);
      for (const [n, row] of rows.entries()) {
        const link = LIST_LINKS.find((candidate) => row.startsWith(`${candidate.id}  `));
        if (!link) throw new Error(`not a link: ${row}`);
        const status = statusOf(link, new Date(LIST_NOW));
        expect(row).toContain(` ${status} `);
        for (const [title, text] of [
          ["STATUS", ` ${status} `],
          ["URL", " https://"],
        ] as const) {
          expect(columnOf(row, text) + 1, `${title} of row ${n}:\n${header}\n${row}`).toBe(
            columnOf(header, title),
          );
        }
      }
      const cjk = rows.find((row) => row.startsWith("t0ky0001")) ?? "";
      expect(cjk).toMatch(/東京の夜景/);
    },
  );
});
