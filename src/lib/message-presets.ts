// The built-in message wordings and the checks of a message setting: a leaf, shared by the
// settings store (which checks `preset` and `message` values) and core/message.ts.
import { usageError } from "./errors.ts";
import { didYouMean } from "./suggest.ts";

/**
 * One wording, for a photo and for an album, with and without an expiry date. `{what}` says
 * what is shared: "photo" or "video" for one file, "photos", "videos" or "photos and videos"
 * for an album.
 */
export interface Preset {
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
    `${didYouMean(wanted, presetNames())}Presets: ${presetNames()
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
