import type { LinkKind } from "../store/ledger.ts";

export interface MessageFacts {
  url: string;
  kind: LinkKind;
  name: string;
  count: number;
  expiresAt: Date | null;
  provider: string;
}

const DEFAULT_PHOTO = "Here's the photo: {url}";
const DEFAULT_ALBUM = "Here are the photos ({count}): {url}";
const EXPIRY_NOTE = " (the link works until {expires})";

/** The text put on the clipboard. `template` comes from --message or the config. */
export function renderMessage(facts: MessageFacts, template?: string): string {
  const chosen = template ?? defaultTemplate(facts);
  const values: Record<string, string> = {
    url: facts.url,
    name: facts.name,
    count: String(facts.count),
    expires: facts.expiresAt ? formatExpiry(facts.expiresAt) : "never",
    provider: facts.provider,
  };
  return chosen.replace(
    /\{(url|name|count|expires|provider)\}/g,
    (_, key: string) => values[key] ?? "",
  );
}

function defaultTemplate(facts: MessageFacts): string {
  const base = facts.kind === "album" ? DEFAULT_ALBUM : DEFAULT_PHOTO;
  if (!facts.expiresAt) return base;
  const [lead, tail] = base.split(": ");
  return `${lead}${EXPIRY_NOTE}: ${tail}`;
}

/** "Dec 31, 2026, 23:59" in the sender's time zone. */
export function formatExpiry(when: Date): string {
  return when.toLocaleString("en-US", {
    month: "short",
    day: "numeric",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
  });
}
