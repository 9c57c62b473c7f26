import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Builds dmshare as a publisher would with apps built in (`DMSHARE_BUILTIN_…` variables read
 * by scripts/build.ts), into a folder of its own with a copy of bin/dmshare.js. The folder is
 * under node_modules/.cache so that the build's imports of its dependencies resolve to the
 * repository's node_modules, as they do for dist/.
 */
export async function buildWithBuiltinApps(
  apps: Record<string, string>,
): Promise<{ bin: string; remove: () => Promise<void> }> {
  const cache = path.join(ROOT, "node_modules", ".cache");
  await mkdir(cache, { recursive: true });
  const dir = await mkdtemp(path.join(cache, "dmshare-builtin-"));
  await promisify(execFile)(
    process.execPath,
    [path.join(ROOT, "scripts", "build.ts"), "--outdir", path.join(dir, "dist")],
    { cwd: ROOT, env: { PATH: process.env.PATH, ...apps } },
  );
  await mkdir(path.join(dir, "bin"));
  const bin = path.join(dir, "bin", "dmshare.js");
  await copyFile(path.join(ROOT, "bin", "dmshare.js"), bin);
  return { bin, remove: () => rm(dir, { recursive: true, force: true }) };
}
