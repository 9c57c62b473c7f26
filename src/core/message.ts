import { usageError } from "../errors.ts";
import { mediaTypeFor } from "../media/detect.ts";
import type { LinkKind } from "../store/ledger.ts";

export interface MessageFacts {
  url: string;
  kind: LinkKind;
  /** What is shared, in words (sharedWhat): "photo", "video", "photos and videos"… */
  what: string;
  name: string;
  count: number;
  expiresAt: Date | null;
  provider: string;
}

/**
 * One wording, for a photo and for an album, with and without an expiry date. `{what}` says
 * what is shared: "photo" or "video" for one file, "photos", "videos" or "photos and videos"
 * for an album.
 */
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
    photo: "Here's the {what}: {url}",
    album: "Here are the {what} ({count}): {url}",
    expiringPhoto: "Here's the {what} (the link works until {expires}): {url}",
    expiringAlbum: "Here are the {what} ({count}, the link works until {expires}): {url}",
  },
  friendly: {
    description: "warmer, for friends and family",
    photo: "Hi! I put the {what} here for you 🙂 {url}",
    album: "Hi! I put {count} {what} here for you 🙂 {url}",
    expiringPhoto: "Hi! I put the {what} here for you 🙂 {url} (you can open it until {expires})",
    expiringAlbum:
      "Hi! I put {count} {what} here for you 🙂 {url} (you can open them until {expires})",
  },
  professional: {
    description: "for work: names what is shared",
    photo: 'Please find "{name}" at this view-only link: {url}',
    album: 'Please find the album "{name}" ({count} {what}) at this view-only link: {url}',
    expiringPhoto:
      'Please find "{name}" at this view-only link: {url} (the link is valid until {expires}).',
    expiringAlbum:
      'Please find the album "{name}" ({count} {what}) at this view-only link: {url} (the link is valid until {expires}).',
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
  return presetWording(facts, PRESETS[name]).replaceAll("{what}", facts.what);
}

function presetWording(facts: MessageFacts, preset: Preset): string {
  if (facts.kind === "album") return facts.expiresAt ? preset.expiringAlbum : preset.album;
  return facts.expiresAt ? preset.expiringPhoto : preset.photo;
}

/**
 * What a link shares, in words, from the files' types: "photo", "video" or "file" (not a
 * photo or video, sent with --any-file) for one; "photos", "videos", "photos and videos" or
 * "files" for an album.
 */
export function sharedWhat(kind: LinkKind, files: readonly { mime: string }[]): string {
  const types = files.map((file) => mediaTypeFor(file.mime));
  if (types.some((type) => type === null)) return kind === "album" ? "files" : "file";
  const videos = types.filter((type) => type?.video).length;
  if (kind !== "album") return videos > 0 ? "video" : "photo";
  if (videos === 0) return "photos";
  return videos === types.length ? "videos" : "photos and videos";
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
