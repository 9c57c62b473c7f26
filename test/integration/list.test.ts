import { stripVTControlCharacters } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { displayWidth } from "../../src/ui/table.ts";
import { tempDir } from "../helpers/cli.ts";
import { runInProcess } from "../helpers/in-process.ts";
import { LIST_LINKS, LIST_NOW, seedLinks } from "../helpers/list-links.ts";

let work: { dir: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  work = await tempDir();
  await seedLinks(work.dir);
});
afterEach(() => work.cleanup());

const ANSI = "\u001b[";

const list = (args: string[], env: Record<string, string> = {}, columns?: number) =>
  runInProcess(["list", ...args], {
    cwd: work.dir,
    env: { DMSHARE_CONFIG_DIR: work.dir, DMSHARE_NOW: LIST_NOW, ...env },
    ...(columns ? { stdout: { isTTY: true, columns } } : {}),
  });

const shown = LIST_LINKS.filter((link) => link.status !== "revoked");

describe("dmshare list at a terminal", () => {
  it.each([80, 100])("fits %i columns: a line per link, newest first", async (columns) => {
    const { code, stdout } = await list([], { TERM: "xterm-256color" }, columns);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(shown.length + 1);
    expect(lines[0]).toMatch(/^ID +.*NAME +.*EXPIRES +STATUS +URL$/);
    expect(lines[1]?.startsWith("alb00001  ")).toBe(true);
    for (const line of lines)
      expect(displayWidth(stripVTControlCharacters(line))).toBeLessThanOrEqual(columns);
    // Coloured statuses, as the terminal wants them.
    expect(stdout).toContain(`${ANSI}32mactive${ANSI}39m`);
  });

  it("--wide and --no-trunc print every cell in full", async () => {
    for (const flag of ["--wide", "--no-trunc"]) {
      const { stdout } = await list([flag, "--all"], {}, 80);
      for (const link of LIST_LINKS) {
        expect(stdout).toContain(link.name);
        expect(stdout).toContain(link.url);
      }
      expect(stdout.split("\n")[0]).toMatch(/^ID +PROVIDER +KIND +NAME +CREATED/);
    }
  });

  it("CLICOLOR=0 turns the colours off, as NO_COLOR does", async () => {
    expect((await list([], { CLICOLOR: "0" }, 100)).stdout).not.toContain(ANSI);
    expect((await list([], { NO_COLOR: "1" }, 100)).stdout).not.toContain(ANSI);
    expect((await list([], {}, 100)).stdout).toContain(ANSI);
  });
});

describe("dmshare list piped", () => {
  it("prints tab-separated facts: RFC 3339 UTC times, an empty expiry, no header", async () => {
    const { code, stdout } = await list(["--all"]);
    expect(code).toBe(0);
    const rows = stdout
      .trimEnd()
      .split("\n")
      .map((line) => line.split("\t"));
    expect(rows).toHaveLength(LIST_LINKS.length);
    expect(rows.find((row) => row[0] === "part0001")?.slice(4, 7)).toEqual([
      "2026-11-20T09:30:00Z",
      "2026-12-04T12:00:00Z",
      "active",
    ]);
    expect(rows.find((row) => row[0] === "k3x9m2qa")?.[5]).toBe("");
    expect(rows.find((row) => row[0] === "expd0001")?.slice(5, 7)).toEqual([
      "2026-11-21T12:00:00Z",
      "expired",
    ]);
    expect(stdout).not.toMatch(/expires in|ago/);
    expect(stdout).not.toContain(ANSI);
  });

  it("--header puts the column titles first, even when nothing matches", async () => {
    const { stdout } = await list(["--header"]);
    const [header, first] = stdout.split("\n");
    expect(header).toBe("ID\tPROVIDER\tKIND\tNAME\tCREATED\tEXPIRES\tSTATUS\tURL");
    expect(first?.startsWith("alb00001\t")).toBe(true);
    const none = await list(["--header", "--status", "overdue"]);
    expect(none.stdout).toBe("ID\tPROVIDER\tKIND\tNAME\tCREATED\tEXPIRES\tSTATUS\tURL\n");
    expect(none.stderr).toContain("No links match.");
  });
});

describe("dmshare list --json", () => {
  it("keeps every field without a value; with fields, only those, in their order", async () => {
    const all = JSON.parse((await list(["--json"])).stdout) as Record<string, unknown>[];
    expect(Object.keys(all[0] ?? {})).toHaveLength(13);
    const { code, stdout } = await list(["--json", "id,url,name"]);
    expect(code).toBe(0);
    const picked = JSON.parse(stdout) as Record<string, unknown>[];
    expect(picked).toHaveLength(shown.length);
    expect(picked[0]).toEqual({
      id: "alb00001",
      url: LIST_LINKS[4]?.url,
      name: LIST_LINKS[4]?.name,
    });
    expect(Object.keys(picked[0] ?? {})).toEqual(["id", "url", "name"]);
  });

  it("an unknown field is exit 2, with the closest field, the list, and a JSON error", async () => {
    const { code, stdout, stderr } = await list(["--json", "id,nmae"]);
    expect(code).toBe(2);
    expect(stderr).toContain('Unknown field "nmae" for --json.');
    expect(stderr).toContain("Did you mean name? Fields: id,");
    expect(stderr).toContain("Fields: id, provider, kind, name, url, ownerUrl");
    expect(JSON.parse(stdout).error).toMatchObject({ exitCode: 2 });
  });
});
