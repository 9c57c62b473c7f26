import type { Output } from "./output.ts";

/**
 * A QR code of `url` for a phone to scan, on stderr: it is a picture for the person at the
 * terminal, so stdout keeps only the result (`--qr --quiet | pbcopy` still copies the URL).
 * With colour, black on white whatever the terminal's theme; without (NO_COLOR, a pipe),
 * plain half-block characters, dark modules drawn in the text colour.
 */
export async function showQrCode(output: Output, url: string, caption?: string): Promise<void> {
  const { default: QRCode } = await import("qrcode");
  const colour = output.err.level > 0;
  const picture = await QRCode.toString(
    url,
    colour
      ? { type: "terminal", small: true, errorCorrectionLevel: "L" }
      : { type: "utf8", margin: 2, errorCorrectionLevel: "L" },
  );
  output.picture(`${caption ? `${caption}\n` : ""}${picture.trimEnd()}`);
}
