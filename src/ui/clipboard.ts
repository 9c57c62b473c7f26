const COPY_TIMEOUT_MS = 5_000;

export type CopyResult = { copied: true } | { copied: false; reason: string };

/** The clipboard is a convenience: failing to reach it is reported, never thrown. */
export async function copyToClipboard(
  text: string,
  platform: NodeJS.Platform,
): Promise<CopyResult> {
  try {
    const { default: clipboard } = await import("clipboardy");
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("the clipboard did not answer")), COPY_TIMEOUT_MS);
    });
    try {
      await Promise.race([clipboard.write(text), timeout]);
    } finally {
      clearTimeout(timer);
    }
    return { copied: true };
  } catch (error) {
    return { copied: false, reason: describeClipboardError(error, platform) };
  }
}

/**
 * Why the clipboard could not be reached, in words for this system. clipboardy uses pbcopy
 * on macOS (part of it), PowerShell or its own clipboard helper on Windows, clip.exe on WSL,
 * and xsel (X11) or wl-copy (Wayland) on Linux: only Linux may need something installed.
 */
export function describeClipboardError(error: unknown, platform: NodeJS.Platform): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/display|headless/i.test(message)) return "no display to hold a clipboard (headless or SSH)";
  const missing = /xsel|xclip|wl-copy|ENOENT|not found/i.test(message);
  if (missing && platform === "darwin") return "pbcopy could not run (it is part of macOS)";
  if (missing && platform === "win32") {
    return "neither PowerShell nor clipboardy's clipboard helper could run";
  }
  if (missing) return "no clipboard tool found (install xsel, or wl-clipboard on Wayland)";
  return message.split("\n")[0] ?? message;
}
