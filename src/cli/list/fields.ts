import type { LinkView } from "../../core/links.ts";
import { usageError } from "../../lib/errors.ts";

/** Every field of a link in `list --json` (the compiler checks that none is missing). */
const ALL: Record<keyof LinkView, true> = {
  id: true,
  provider: true,
  kind: true,
  name: true,
  url: true,
  ownerUrl: true,
  message: true,
  files: true,
  createdAt: true,
  expiresAt: true,
  expiryEnforcedBy: true,
  revokedAt: true,
  status: true,
};
export const FIELDS = Object.keys(ALL) as (keyof LinkView)[];

/**
 * `--json id,url,name` as gh has it: the fields asked for, in that order, once each. An
 * unknown one is a usage error (exit 2) that names the closest field and lists them all.
 */
export function parseFields(text: string): (keyof LinkView)[] {
  const asked = text
    .split(",")
    .map((field) => field.trim())
    .filter(Boolean);
  if (asked.length === 0) {
    throw usageError("--json was given an empty list of fields.", fieldsHint());
  }
  for (const field of asked) {
    if (!(field in ALL)) {
      const near = closest(field, FIELDS);
      throw usageError(
        `Unknown field "${field}" for --json.${near ? ` Did you mean ${near}?` : ""}`,
        fieldsHint(),
      );
    }
  }
  return [...new Set(asked as (keyof LinkView)[])];
}

const fieldsHint = () =>
  `Fields: ${FIELDS.join(", ")}. Give some, comma-separated (--json id,url,name), or none for all.`;

/** Each link with only `fields`, in their order. */
export function selectFields(links: LinkView[], fields: (keyof LinkView)[]) {
  return links.map((link) => Object.fromEntries(fields.map((field) => [field, link[field]])));
}

/** The candidate nearest to `word` (case aside) within a few edits, if one is. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(word.length / 3))
    ? best.candidate
    : undefined;
}

/** Levenshtein distance, with a swap of two neighbours as one edit (nmae → name). */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = rows[i] as number[];
      const above = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((above[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (above[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row[j] = best;
    }
  }
  return rows[a.length]?.[b.length] ?? 0;
}
