// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const CONTROLS_AND_BREAKS = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Text from a server (a name, an error message) made safe to print: control characters (ESC
 * sequences that move the cursor or retitle the terminal, NUL, backspace, CR) become U+FFFD.
 * Newlines and tabs stay when `multiline`; else they go too.
 */
export function withoutControls(text: string, multiline = false): string {
  return text.replace(multiline ? CONTROLS : CONTROLS_AND_BREAKS, "\uFFFD");
}
