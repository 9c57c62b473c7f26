import { stat } from "node:fs/promises";

/**
 * What tells one file from another: its device and inode (on Windows, NTFS's file index,
 * which needs bigint). Null when the file system gives no inode (0: some network and FAT
 * drives); such a file is told apart by its path alone.
 */
async function fileIdentity(file: string): Promise<string | null> {
  const info = await stat(file, { bigint: true });
  return info.ino === 0n ? null : `${info.dev}:${info.ino}`;
}

/**
 * The files without the ones named again under another name: `A.jpg a.jpg` on a
 * case-insensitive disk (Windows, macOS), `./A.jpg A.jpg`, a hard link, `C:\p\a.jpg` beside
 * `\\?\C:\p\a.jpg`. Each is sent once, where it was first named.
 */
export async function withoutRepeats<T extends { path: string }>(
  files: readonly T[],
  identity: (file: string) => Promise<string | null> = fileIdentity,
): Promise<T[]> {
  const seen = new Set<string>();
  const kept: T[] = [];
  for (const file of files) {
    const key = (await identity(file.path).catch(() => null)) ?? `path:${file.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(file);
  }
  return kept;
}
