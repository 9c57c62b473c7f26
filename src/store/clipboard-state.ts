import { rm } from "node:fs/promises";
import path from "node:path";
import { readTextIfExists, writeFileAtomic } from "./files.ts";

/**
 * Why the clipboard could not be reached here last time (a headless machine, no xsel…), so
 * the warning is shown once for that reason and not on every send. Gone once a copy works.
 */
const statePath = (configDir: string) => path.join(configDir, "clipboard.json");

/** The reason last warned about, or undefined. */
export async function lastClipboardFailure(configDir: string): Promise<string | undefined> {
  const text = await readTextIfExists(statePath(configDir)).catch(() => null);
  if (text === null) return undefined;
  try {
    const { reason } = JSON.parse(text) as { reason?: unknown };
    return typeof reason === "string" ? reason : undefined;
  } catch {
    return undefined;
  }
}

/** Remembers (or with undefined forgets) the failure warned about. Never fails the send. */
export async function rememberClipboardFailure(
  configDir: string,
  reason: string | undefined,
): Promise<void> {
  const file = statePath(configDir);
  const write =
    reason === undefined
      ? rm(file, { force: true })
      : writeFileAtomic(file, `${JSON.stringify({ reason }, null, 2)}\n`);
  await write.catch(() => {});
}
