// Bundles src/ into dist/ (ESM, code-split so that providers and spinners load on demand).
// `npm pack` / `npm publish` run it (the `prepack` script); a clone runs `npm run build`.
import { rm } from "node:fs/promises";
import { build } from "esbuild";

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

await rm(new URL("../dist", import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { main: "src/main.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node22",
  // The packages every run needs (commander, chalk, env-paths) are bundled in: resolving
  // and loading them from node_modules file by file cost ~40 ms of start-up. The heavy ones,
  // imported only when a command needs them, stay in node_modules.
  external: LOADED_ON_DEMAND,
  // No source maps: nothing runs Node with --enable-source-maps, and they were 62 % of the
  // package. The bundle is not minified, so stack traces (--verbose) stay readable.
  sourcemap: false,
  chunkNames: "chunks/[name]-[hash]",
  logLevel: "warning",
});
