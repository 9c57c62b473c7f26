import { DEFAULT_PRESET, PRESETS, type Preset, type PresetName } from "../lib/message-presets.ts";
import { mediaTypeFor } from "../media/detect.ts";
import type { LinkKind } from "../store/ledger.ts";

// The presets and the checks of a stored setting live in a leaf module, so that the settings
// store can check values without importing core; they are re-exported here as before.
export {
  checkTemplate,
  DEFAULT_PRESET,
  PRESETS,
  type PresetName,
  parsePreset,
  presetNames,
} from "../lib/message-presets.ts";

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
