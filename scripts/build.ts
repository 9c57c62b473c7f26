// Bundles src/ into dist/ (ESM, code-split so that providers and spinners load on demand).
// `npm pack` / `npm publish` run it (the `prepack` script); a clone runs `npm run build`.
//
// The apps a published build carries (src/providers/builtin-apps.ts) come from the
// environment of the build:
//   DMSHARE_BUILTIN_DROPBOX_APP_KEY=… DMSHARE_BUILTIN_GOOGLE_CLIENT_ID=… \
//   DMSHARE_BUILTIN_GOOGLE_CLIENT_SECRET=… npm pack
// `--outdir DIR` builds elsewhere than dist/ (the tests build a dist with built-in apps).
import { rm } from "node:fs/promises";
import path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { build, type Plugin } from "esbuild";
import type { FastAnswers } from "../src/fast-path.ts";
import type { BuiltinApps, GoogleClient } from "../src/providers/builtin-apps.ts";

const LOADED_ON_DEMAND = [
  "dropbox",
  "@googleapis/drive",
  "google-auth-library",
  "sharp",
  "heic-decode",
  "@napi-rs/keyring",
  "clipboardy",
  "ora",
  "@inquirer/prompts",
  "qrcode",
];

/**
 * Modules the bundled packages import at start-up that dmshare does not need there. Each
 * cost every command time before it did anything (issue 18):
 * - `import process from "node:process"` (commander, chalk) makes Node build a
 *   module facade of `process`, reading every property, which loads `process.report` and
 *   more; the global is the same object.
 * - commander imports `node:child_process` (with net, dgram, …) for executable subcommands,
 *   which dmshare has none of: it is loaded only if one is ever run.
 * - chalk detects colour support (`node:tty`, `node:os`) as it loads, for its default
 *   instance; dmshare gives every Chalk its level itself (ui/output.ts `colorEnabled`).
 */
const SHIMS: Record<string, { filter: RegExp; importer?: RegExp; contents: string }> = {
  process: { filter: /^(node:)?process$/, contents: "export default globalThis.process;" },
  "child_process-for-commander": {
    filter: /^(node:)?child_process$/,
    importer: /[\\/]node_modules[\\/]commander[\\/]/,
    contents:
      'const real = () => process.getBuiltinModule("node:child_process");\n' +
      "export default { spawn: (...args) => real().spawn(...args) };",
  },
  "supports-color-for-chalk": {
    filter: /^#supports-color$/,
    importer: /[\\/]node_modules[\\/]chalk[\\/]/,
    contents: "export default { stdout: false, stderr: false };",
  },
};

const startupShims: Plugin = {
  name: "start-up shims",
  setup(build) {
    for (const [name, shim] of Object.entries(SHIMS)) {
      build.onResolve({ filter: shim.filter }, ({ importer }) =>
        !shim.importer || shim.importer.test(importer)
          ? { path: name, namespace: "start-up-shim" }
          : undefined,
      );
    }
    build.onLoad({ filter: /.*/, namespace: "start-up-shim" }, ({ path: name }) => ({
      contents: SHIMS[name]?.contents,
      loader: "js",
    }));
  },
};

const root = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({ options: { outdir: { type: "string" } } });
const outdir = path.resolve(values.outdir ?? path.join(root, "dist"));

/** A value from the environment: unset or empty is none; anything else must be one word. */
function setting(name: string): string | undefined {
  const value = process.env[name]?.trim();
  if (!value) return undefined;
  if (/\s/.test(value)) throw new Error(`${name} has white space in it: give the value alone.`);
  return value;
}

/** A Google client needs both halves: one without the other is a mistake, not "none". */
function googleClient(prefix: string): GoogleClient | undefined {
  const clientId = setting(`${prefix}_ID`);
  const clientSecret = setting(`${prefix}_SECRET`);
  if (!clientId && !clientSecret) return undefined;
  if (!clientId || !clientSecret) {
    throw new Error(`${prefix}_ID and ${prefix}_SECRET go together: give both or neither.`);
  }
  return { clientId, clientSecret };
}

function builtinApps(): BuiltinApps {
  const dropboxAppKey = setting("DMSHARE_BUILTIN_DROPBOX_APP_KEY");
  if (dropboxAppKey && !/^\w+$/.test(dropboxAppKey)) {
    throw new Error("DMSHARE_BUILTIN_DROPBOX_APP_KEY is not an app key (letters and digits).");
  }
  const onedriveClientId = setting("DMSHARE_BUILTIN_ONEDRIVE_CLIENT_ID");
  if (onedriveClientId && !/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(onedriveClientId)) {
    throw new Error(
      "DMSHARE_BUILTIN_ONEDRIVE_CLIENT_ID is not an Application (client) ID (a GUID).",
    );
  }
  return {
    onedriveClientId,
    dropboxAppKey,
    google: googleClient("DMSHARE_BUILTIN_GOOGLE_CLIENT"),
    googleDevice: googleClient("DMSHARE_BUILTIN_GOOGLE_DEVICE_CLIENT"),
  };
}

let apps: BuiltinApps;
try {
  apps = builtinApps();
} catch (error) {
  console.error(`build: ${(error as Error).message}`);
  process.exit(2);
}
const carried = [
  apps.dropboxAppKey && "a Dropbox app key",
  apps.google && "a Google Desktop client",
  apps.googleDevice && "a Google device client",
].filter(Boolean);
if (carried.length > 0) console.error(`build: dist/ carries ${carried.join(", ")}`);

await rm(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { main: "src/main.ts" },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node22",
  // The packages every run needs (commander, chalk) are bundled in: resolving
  // and loading them from node_modules file by file cost ~40 ms of start-up. The heavy ones,
  // imported only when a command needs them, stay in node_modules.
  external: LOADED_ON_DEMAND,
  plugins: [startupShims],
  define: { __DMSHARE_BUILTIN_APPS__: JSON.stringify(apps) },
  // No source maps: nothing runs Node with --enable-source-maps, and they were 62 % of the
  // package. The bundle is not minified, so stack traces (--verbose) stay readable.
  sourcemap: false,
  chunkNames: "chunks/[name]-[hash]",
  logLevel: "warning",
});

// `dmshare --version` and `--help` answer without loading the program (src/fast-path.ts):
// their text is what the program just built prints, at every terminal width.
const answers = await fastAnswers(path.join(outdir, "main.js"));
await build({
  absWorkingDir: root,
  entryPoints: { "fast-path": "src/fast-path.ts" },
  outdir,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node22",
  define: { __DMSHARE_FAST_ANSWERS__: JSON.stringify(answers) },
  sourcemap: false,
  logLevel: "warning",
});

/** Runs the built program for `args` with stdout on a terminal `columns` wide (or piped). */
async function printed(main: string, args: string[], columns: number | undefined): Promise<string> {
  const { run, realSystem } = (await import(
    pathToFileURL(main).href
  )) as typeof import("../src/main.ts");
  const chunks: Buffer[] = [];
  const stdout = Object.assign(new PassThrough(), { isTTY: columns !== undefined, columns });
  stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
  const stderr = new PassThrough();
  const code = await run(args, {
    stdin: Readable.from([]),
    stdout,
    stderr,
    env: {},
    cwd: root,
    now: () => new Date(),
    fetch: () => Promise.reject(new Error("no network while building")),
    openUrl: () => Promise.reject(new Error("no browser while building")),
    paths: { configDir: path.join(outdir, "no-config") },
    system: realSystem(process),
    signal: new AbortController().signal,
  });
  const text = Buffer.concat(chunks).toString("utf8");
  if (code !== 0 || stderr.read() !== null || !text) {
    throw new Error(`build: dmshare ${args.join(" ")} did not just print (exit ${code})`);
  }
  return text;
}

async function fastAnswers(main: string): Promise<FastAnswers> {
  const piped = await printed(main, ["--help"], undefined);
  for (const same of [[], ["help"]]) {
    if ((await printed(main, same, undefined)) !== piped) {
      throw new Error(`build: dmshare ${same.join(" ")} no longer prints its --help`);
    }
  }
  // Past its widest line (unwrapped), a wider terminal prints the same help.
  const unwrapped = await printed(main, ["--help"], 100_000);
  const widest = Math.max(...unwrapped.split("\n").map((line) => line.length));
  const texts: string[] = [];
  const byWidth: number[] = [];
  for (let width = 0; width <= widest; width++) {
    const text = await printed(main, ["--help"], width);
    if (!texts.includes(text)) texts.push(text);
    byWidth.push(texts.indexOf(text));
  }
  if (texts[byWidth[widest] ?? -1] !== unwrapped) {
    throw new Error("build: the help at its widest line is not the unwrapped help");
  }
  if (!texts.includes(piped)) texts.push(piped);
  const version = await printed(main, ["--version"], undefined);
  if ((await printed(main, ["version"], undefined)) !== version) {
    throw new Error("build: dmshare version no longer prints what --version does");
  }
  return {
    version,
    help: { texts, byWidth, piped: texts.indexOf(piped) },
  };
}
