import type { LinkView } from "../../core/links.ts";
import { usageError } from "../../lib/errors.ts";
import { didYouMean } from "../../lib/suggest.ts";

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
      throw usageError(`Unknown field "${field}" for --json.`, fieldsHint(field));
    }
  }
  return [...new Set(asked as (keyof LinkView)[])];
}

const fieldsHint = (typo = "") =>
  `${didYouMean(typo, FIELDS)}Fields: ${FIELDS.join(", ")}. Give some, comma-separated (--json id,url,name), or none for all.`;

/** Each link with only `fields`, in their order. */
export function selectFields(links: LinkView[], fields: (keyof LinkView)[]) {
  return links.map((link) => Object.fromEntries(fields.map((field) => [field, link[field]])));
}
