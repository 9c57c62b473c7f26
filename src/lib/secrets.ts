// The credentials this process has held (read from the store, saved to it, given on the
// command line), so that whatever prints can leave them out, whatever their source.

const held = new Set<string>();

/** Too short to be a credential, and too likely to be ordinary text. */
const MIN_LENGTH = 6;

/** Remembers credentials for redaction (undefined and short values are ignored). */
export function rememberSecrets(...values: (string | undefined | null)[]): void {
  for (const value of values) {
    if (typeof value === "string" && value.trim().length >= MIN_LENGTH) held.add(value);
  }
}

/** Every credential remembered so far. */
export function heldSecrets(): ReadonlySet<string> {
  return held;
}
