import { usageError } from "../errors.ts";
import type { LinkKind } from "../store/ledger.ts";

export interface MessageFacts {
  url: string;
  kind: LinkKind;
  name: string;
  count: number;
  expiresAt: Date | null;
  provider: string;
}

/** One wording, for a photo and for an album, with and without an expiry date. */
interface Preset {
  description: string;
  photo: string;
  album: string;
  expiringPhoto: string;
  expiringAlbum: string;
}

/** The built-in wordings (`--preset NAME`, `dmshare config set preset NAME`). */
export const PRESETS = {
  casual: {
    description: "the default: short and plain",
    photo: "Here's the photo: {url}",
    album: "Here are the photos ({count}): {url}",
    expiringPhoto: "Here's the photo (the link works until {expires}): {url}",
    expiringAlbum: "Here are the photos ({count}, the link works until {expires}): {url}",
  },
  friendly: {
    description: "warmer, for friends and family",
    photo: "Hi! I put the photo here for you 🙂 {url}",
    album: "Hi! I put {count} photos here for you 🙂 {url}",
    expiringPhoto: "Hi! I put the photo here for you 🙂 {url} (you can open it until {expires})",
    expiringAlbum:
      "Hi! I put {count} photos here for you 🙂 {url} (you can open them until {expires})",
  },
  professional: {
    description: "for work: names what is shared",
    photo: 'Please find "{name}" at this view-only link: {url}',
    album: 'Please find the album "{name}" ({count} photos) at this view-only link: {url}',
    expiringPhoto:
      'Please find "{name}" at this view-only link: {url} (the link is valid until {expires}).',
    expiringAlbum:
      'Please find the album "{name}" ({count} photos) at this view-only link: {url} (the link is valid until {expires}).',
  },
  minimal: {
    description: "the link and nothing else",
    photo: "{url}",
    album: "{url}",
    expiringPhoto: "{url}",
    expiringAlbum: "{url}",
  },
} as const satisfies Record<string, Preset>;

export type PresetName = keyof typeof PRESETS;
export const DEFAULT_PRESET: PresetName = "casual";

export const presetNames = () => Object.keys(PRESETS) as PresetName[];

/** `--preset NAME` or the `preset` setting, checked: an unknown name is exit 2 listing them. */
export function parsePreset(name: string): PresetName {
  const wanted = name.trim().toLowerCase();
  if (Object.hasOwn(PRESETS, wanted)) return wanted as PresetName;
  throw usageError(
    `Unknown message preset "${name}".`,
    `Presets: ${presetNames()
      .map((preset) => `${preset} (${PRESETS[preset].description})`)
      .join(", ")}.`,
  );
}

/** A user template must say where the link goes. */
export function checkTemplate(template: string, where: string): string {
  if (!template.includes("{url}")) {
    throw usageError(
      `The message "${template}" has no {url} placeholder.`,
      `Put {url} where the link goes, e.g. ${where} "Look: {url}".`,
    );
  }
  return template;
}

/** How the message is worded: a user template wins over a preset; neither means casual. */
export interface MessageStyle {
  template?: string;
  preset?: PresetName;
}

/** The text put on the clipboard. */
export function renderMessage(facts: MessageFacts, style: MessageStyle = {}): string {
  const chosen = style.template ?? presetTemplate(facts, style.preset ?? DEFAULT_PRESET);
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

function presetTemplate(facts: MessageFacts, name: PresetName): string {
  const preset: Preset = PRESETS[name];
  if (facts.kind === "album") return facts.expiresAt ? preset.expiringAlbum : preset.album;
  return facts.expiresAt ? preset.expiringPhoto : preset.photo;
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
