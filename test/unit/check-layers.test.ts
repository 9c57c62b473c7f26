import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkLayers } from "../../scripts/check-layers.ts";

const roots: string[] = [];

/** Writes `files` (paths under src/) into a fresh folder and returns it. */
async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "dmshare-layers-"));
  roots.push(root);
  for (const [file, text] of Object.entries(files)) {
    const full = path.join(root, "src", file);
    await mkdir(path.dirname(full), { recursive: true });
    await writeFile(full, text);
  }
  return root;
}

afterEach(async () => {
  await Promise.all(roots.splice(0).map((root) => rm(root, { recursive: true, force: true })));
});

const lines = (count: number) => "export const x = 1;\n".repeat(count);

describe("check-layers", () => {
  it("passes a tree whose arrows all run down, without circles or long files", async () => {
    const root = await tree({
      "main.ts": 'import "./cli/program.ts";\n',
      "cli/program.ts": 'import { send } from "../core/send.ts";\nimport "./list.ts";\n',
      "cli/list.ts": 'import type { Ctx } from "../context.ts";\n',
      "core/send.ts": 'import "../providers/dropbox.ts";\nimport "../media/scan/index.ts";\n',
      "providers/dropbox.ts":
        'import "../store/credentials.ts";\nimport "../lib/concurrency.ts";\n',
      "store/credentials.ts": 'import "../errors.ts";\n',
      "media/scan/index.ts": 'import "./jpeg.ts";\n',
      "media/scan/jpeg.ts": lines(450),
      "lib/concurrency.ts": "",
      "errors.ts": "",
      "context.ts": 'import "./errors.ts";\n',
    });
    expect(await checkLayers(root)).toEqual([]);
  });

  it("reports a circle, type-only imports included, with its path", async () => {
    const root = await tree({
      "core/a.ts": 'import { b } from "./b.ts";\n',
      "core/b.ts": 'import type { C } from "./c.ts";\n',
      "core/c.ts": 'export type { A } from "./a.ts";\n',
      "core/d.ts": 'import "./a.ts";\n',
    });
    expect(await checkLayers(root)).toEqual([
      { kind: "cycle", file: "core/a.ts", text: "core/a.ts → core/b.ts → core/c.ts → core/a.ts" },
    ]);
  });

  it("reports every arrow that runs up or sideways between lower layers", async () => {
    const root = await tree({
      "store/config.ts": 'import { checkTemplate } from "../core/message.ts";\n',
      "core/message.ts": 'const cli = await import("../cli/program.ts");\n',
      "cli/program.ts": 'import "../main.ts";\n',
      "main.ts": "",
      "store/ledger.ts": 'import type { RemoteItem } from "../providers/provider.ts";\n',
      "providers/provider.ts": 'import "../ui/output.ts";\n',
      "ui/output.ts": "",
      "context.ts": 'import { openInBrowser } from "./ui/browser.ts";\n',
      "ui/browser.ts": "",
    });
    expect((await checkLayers(root)).map((problem) => problem.text)).toEqual([
      "cli/program.ts imports main.ts (cli may not import entry)",
      "context.ts imports ui/browser.ts (lib may not import ui)",
      "core/message.ts imports cli/program.ts (core may not import cli)",
      "providers/provider.ts imports ui/output.ts (providers may not import ui)",
      "store/config.ts imports core/message.ts (store may not import core)",
      "store/ledger.ts imports providers/provider.ts (store may not import providers)",
    ]);
  });

  it("reports a source file over 450 lines", async () => {
    const root = await tree({ "media/strip/isobmff.ts": lines(451), "media/ok.ts": lines(450) });
    expect(await checkLayers(root)).toEqual([
      {
        kind: "long-file",
        file: "media/strip/isobmff.ts",
        text: "media/strip/isobmff.ts has 451 lines (at most 450)",
      },
    ]);
  });

  it("leaves out problems that only involve files on the allow-list", async () => {
    const root = await tree({
      "cli/a.ts": 'import "./b.ts";\n',
      "cli/b.ts": 'import "./a.ts";\n',
      "core/send.ts": lines(500),
      "core/other.ts": lines(500),
      "store/x.ts": 'import "./y.ts";\n',
      "store/y.ts": 'import "./x.ts";\n',
    });
    const found = await checkLayers(root, { allow: ["cli/", "core/send.ts", "store/x.ts"] });
    expect(found.map((problem) => problem.file)).toEqual(["core/other.ts", "store/x.ts"]);
  });
});
