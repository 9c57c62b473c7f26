import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";

/** Numbers this process's temp files; with the pid, no two writers share one. */
let tempFiles = 0;

/** Files dmshare writes hold links and tokens: readable by the user only. */
export const PRIVATE_FILE_MODE = 0o600;
const PRIVATE_DIR_MODE = 0o700;

/**
 * Writes through a temp file, fsync and rename, so a reader (or a kill -9) sees either the
 * old file or the new one, never half of one.
 */
export async function writeFileAtomic(file: string, contents: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
  const temp = `${file}.${process.pid}.${++tempFiles}.${Date.now().toString(36)}.tmp`;
  const handle = await open(temp, "wx", PRIVATE_FILE_MODE);
  try {
    await handle.writeFile(contents);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** The file's text, or null when it does not exist. */
export async function readTextIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}
