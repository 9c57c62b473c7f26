import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const CLI = fileURLToPath(new URL("../../src/cli/", import.meta.url));

async function commandFolders(): Promise<string[]> {
  const entries = await readdir(CLI, { withFileTypes: true });
  return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
}

describe("src/cli", () => {
  it("is one folder per command: spec, handler, renderer", async () => {
    const folders = await commandFolders();
    expect(folders.length).toBeGreaterThanOrEqual(10);
    for (const folder of folders) {
      const files = await readdir(path.join(CLI, folder));
      expect(files, folder).toEqual(
        expect.arrayContaining(["command.ts", "index.ts", "render.ts"]),
      );
    }
  });

  it("no command imports program.ts (it imports them: that was a runtime import cycle)", async () => {
    for (const folder of await commandFolders()) {
      for (const file of await readdir(path.join(CLI, folder))) {
        const text = await readFile(path.join(CLI, folder, file), "utf8");
        expect(text, `${folder}/${file}`).not.toMatch(/from "\.\.\/program\.ts"/);
      }
    }
  });
});
