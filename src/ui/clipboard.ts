const COPY_TIMEOUT_MS = 5_000;

export type CopyResult = { copied: true } | { copied: false; reason: string };

/** The clipboard is a convenience: failing to reach it is reported, never thrown. */
export async function copyToClipboard(text: string): Promise<CopyResult> {
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
    return { copied: false, reason: describeClipboardError(error) };
  }
}

function describeClipboardError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/display|headless/i.test(message)) return "no display to hold a clipboard (headless or SSH)";
  if (/xsel|xclip|wl-copy|ENOENT/i.test(message))
    return "no clipboard tool found (install xsel or wl-clipboard)";
  return message.split("\n")[0] ?? message;
}
