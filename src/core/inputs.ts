import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { mapSettled } from "../lib/concurrency.ts";
import { usageError } from "../lib/errors.ts";
import { describeUnknown, detectMediaType, readHead } from "../media/detect.ts";
import type { LocalFile } from "../providers/provider.ts";
import { withoutRepeats } from "./same-file.ts";

const SUPPORTED = "JPEG, PNG, HEIC/HEIF, WebP, GIF, MP4 and MOV";

/**
 * Inputs looked at (each opened to read its first bytes) at the same time: an album of 1 000
 * photos must not need 1 000 open files (macOS allows 256 by default).
 */
const INSPECT_CONCURRENCY = 16;

/**
 * Checks every input before anything is uploaded: a bad file anywhere in the list stops the
 * whole command, and the error names each file at fault.
 */
export async function inspectFiles(
  paths: readonly string[],
  cwd: string,
  options: { anyFile: boolean },
): Promise<LocalFile[]> {
  if (paths.length === 0) {
    throw usageError("No files to send.", "Name one or more photos, e.g. dmshare send beach.jpg");
  }
  const settled = await mapSettled(paths, INSPECT_CONCURRENCY, (given) =>
    inspectFile(given, cwd, options),
  );
  const results = settled.map((result) => {
    if (!result.ok) throw result.error;
    return result.value;
  });
  const problems = results.filter((result): result is Problem => "problem" in result);
  if (problems.length > 0) {
    const lines = problems.map((p) => `${p.given}: ${p.problem}`);
    throw usageError(
      problems.length === 1
        ? `Can't send ${lines[0]}.`
        : `Can't send ${problems.length} of the files:\n  ${lines.join("\n  ")}`,
      `Nothing was uploaded. dmshare sends photos and videos (${SUPPORTED}); --any-file sends other files as they are.`,
    );
  }
  // The same photo named twice (A.jpg and a.jpg on a case-insensitive disk) is sent once.
  return withoutRepeats(results as LocalFile[]);
}

/**
 * What is wrong with `given` as a file to send, in the words `send` uses for it on the
 * command line ("Can't send trip: it is a directory …"); null when it can be sent. For the
 * path typed at send's question, which must accept exactly what the command line accepts.
 */
export async function sendProblem(
  given: string,
  cwd: string,
  options: { anyFile: boolean },
): Promise<string | null> {
  const result = await inspectFile(given, cwd, options);
  return "problem" in result ? `Can't send ${given}: ${result.problem}.` : null;
}

export interface FoundPhoto {
  path: string;
  name: string;
  bytes: number;
}

/**
 * The photos and videos directly inside `dir` (recognised by their bytes, like `send` does),
 * sorted by name: what the interactive `send` offers to pick from. Stops looking after `limit`.
 */
export async function findPhotos(dir: string, limit = 500): Promise<FoundPhoto[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const names = entries
    .filter((entry) => entry.isFile() && !entry.name.startsWith("."))
    .map((entry) => entry.name)
    .sort((a, b) => a.localeCompare(b));
  const found: FoundPhoto[] = [];
  for (const name of names) {
    if (found.length >= limit) break;
    const file = path.join(dir, name);
    try {
      const info = await stat(file);
      if (info.size === 0 || !detectMediaType(await readHead(file))) continue;
      found.push({ path: file, name, bytes: info.size });
    } catch {
      // Unreadable: not offered.
    }
  }
  return found;
}

interface Problem {
  given: string;
  problem: string;
}

async function inspectFile(
  given: string,
  cwd: string,
  options: { anyFile: boolean },
): Promise<LocalFile | Problem> {
  const fail = (problem: string): Problem => ({ given, problem });
  let absolute = path.resolve(cwd, given);
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    ({ absolute, info } = await statAnyNormalization(absolute));
  } catch (error) {
    return fail(describeFsError(error));
  }
  if (info.isDirectory()) return fail("it is a directory (name the photos inside it instead)");
  if (!info.isFile()) return fail("it is not a regular file");
  if (info.size === 0) return fail("the file is empty (0 bytes)");
  let head: Uint8Array;
  try {
    head = await readHead(absolute);
  } catch (error) {
    return fail(describeFsError(error));
  }
  const type = detectMediaType(head);
  if (!type && !options.anyFile) {
    return fail(`it is not a photo or video (its content looks like ${describeUnknown(head)})`);
  }
  return {
    path: absolute,
    contentPath: absolute,
    name: remoteName(path.basename(absolute)),
    bytes: info.size,
    mime: type?.mime ?? "application/octet-stream",
    modifiedAt: info.mtime,
  };
}

/**
 * The file, also when the name was typed in the other Unicode form than the one on disk
 * (macOS writes "é" as e + combining accent, NFD; most keyboards type NFC).
 */
async function statAnyNormalization(absolute: string) {
  try {
    return { absolute, info: await stat(absolute) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    for (const form of ["NFC", "NFD"] as const) {
      const other = absolute.normalize(form);
      if (other === absolute) continue;
      const info = await stat(other).catch(() => undefined);
      if (info) return { absolute: other, info };
    }
    throw error;
  }
}

/** The name a file gets remotely: control characters (a newline, say) become spaces. */
const remoteName = (name: string) =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: replacing them is the point
  name.replace(/[\u0000-\u001f\u007f]/g, " ");

function describeFsError(error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied (dmshare can't read it)";
    case "ELOOP":
      return "it is a symbolic link that loops";
    case "ENOTDIR":
      return "a part of the path is not a directory";
    default:
      return (error as Error).message;
  }
}
