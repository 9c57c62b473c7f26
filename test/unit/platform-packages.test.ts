import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { describeClipboardError } from "../../src/ui/clipboard.ts";

// A lockfile written on one system can lose other systems' optional native packages (npm
// keeps only what it resolved): then `npm ci` on a Mac or a Windows PC installs no keychain
// backend and no sharp. These checks keep the lockfile complete for the systems dmshare
// supports, and the native packages loaded only when a command needs them.

const root = path.resolve(import.meta.dirname, "../..");
const lock = JSON.parse(await readFile(path.join(root, "package-lock.json"), "utf8")) as {
  packages: Record<string, { version?: string; os?: string[]; cpu?: string[]; optional?: boolean }>;
};

/** The native packages dmshare needs, per system and processor. */
const NATIVE: Record<string, [string, string, string][]> = {
  "@napi-rs/keyring": [
    ["@napi-rs/keyring-darwin-x64", "darwin", "x64"],
    ["@napi-rs/keyring-darwin-arm64", "darwin", "arm64"],
    ["@napi-rs/keyring-win32-x64-msvc", "win32", "x64"],
    ["@napi-rs/keyring-win32-arm64-msvc", "win32", "arm64"],
    ["@napi-rs/keyring-linux-x64-gnu", "linux", "x64"],
    ["@napi-rs/keyring-linux-arm64-gnu", "linux", "arm64"],
  ],
  sharp: [
    ["@img/sharp-darwin-x64", "darwin", "x64"],
    ["@img/sharp-darwin-arm64", "darwin", "arm64"],
    ["@img/sharp-libvips-darwin-x64", "darwin", "x64"],
    ["@img/sharp-libvips-darwin-arm64", "darwin", "arm64"],
    ["@img/sharp-win32-x64", "win32", "x64"],
    ["@img/sharp-win32-arm64", "win32", "arm64"],
    ["@img/sharp-linux-x64", "linux", "x64"],
    ["@img/sharp-linux-arm64", "linux", "arm64"],
  ],
};

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

describe("native packages for macOS and Windows", () => {
  it.each(Object.entries(NATIVE))(
    "%s: the lockfile has each system's prebuilt package",
    (name, wanted) => {
      const main = lock.packages[`node_modules/${name}`];
      expect(main?.version).toBeDefined();
      for (const [pkg, os, cpu] of wanted) {
        const entry = lock.packages[`node_modules/${pkg}`];
        expect(entry, pkg).toBeDefined();
        expect(entry?.optional, pkg).toBe(true);
        expect(entry?.os, pkg).toEqual([os]);
        expect(entry?.cpu, pkg).toEqual([cpu]);
      }
    },
  );

  it("keychain, sharp and clipboardy are loaded only when a command needs them", async () => {
    for (const file of await sourceFiles(path.join(root, "src"))) {
      const text = await readFile(file, "utf8");
      for (const name of ["@napi-rs/keyring", "sharp", "clipboardy"]) {
        // `import type` is erased; any other static import would load it at every start.
        const staticImport = new RegExp(`^import (?!type )[^;]*from "${name}";`, "m");
        expect(staticImport.test(text), `${path.relative(root, file)} imports ${name}`).toBe(false);
      }
    }
    const build = await readFile(path.join(root, "scripts/build.ts"), "utf8");
    // Kept out of the bundle: clipboardy finds its Windows clipboard helper beside itself.
    for (const name of ["@napi-rs/keyring", "sharp", "clipboardy"]) {
      expect(build).toContain(`"${name}",`);
    }
  });
});

describe("the clipboard's failure, per system", () => {
  const missing = Object.assign(new Error("spawn pbcopy ENOENT"), { code: "ENOENT" });
  it("names only what that system would need (xsel is a Linux thing)", () => {
    expect(describeClipboardError(missing, "darwin")).toBe(
      "pbcopy could not run (it is part of macOS)",
    );
    expect(
      describeClipboardError(
        new Error(
          "PowerShell clipboard operation failed and the bundled fallback binary was not found.",
        ),
        "win32",
      ),
    ).toBe("neither PowerShell nor clipboardy's clipboard helper could run");
    expect(describeClipboardError(new Error("Couldn't find the `xsel` binary"), "linux")).toBe(
      "no clipboard tool found (install xsel, or wl-clipboard on Wayland)",
    );
    expect(describeClipboardError(new Error("Can't open display"), "linux")).toBe(
      "no display to hold a clipboard (headless or SSH)",
    );
  });
});
