import { usageError } from "../../lib/errors.ts";
import { didYouMean } from "../../lib/suggest.ts";
import { parseExpiry } from "../duration.ts";
import { checkTemplate, type MessageStyle, parsePreset } from "../message.ts";
import type { SharePlan } from "../plan.ts";

/** What `dmshare send` was given, as typed: the only place the send pipeline sees CLI strings. */
export interface SendRequest {
  paths: string[];
  via?: string;
  album?: string;
  each: boolean;
  expires?: string;
  noDownload: boolean;
  message?: string;
  /** `--preset NAME`: a built-in wording (a --message template can't be given with it). */
  preset?: string;
  /** `--password`: asks for the link password once the provider said it can set one. */
  password?: () => Promise<string>;
  dryRun: boolean;
  /** Undefined: the `metadata` setting decides (strip by default). */
  keepMetadata?: boolean;
  /** `--convert FORMAT`; only `jpeg` exists. */
  convert?: string;
  /** `--resize PX`, as typed. */
  resize?: string;
  /** Send files that are not photos or videos too. */
  anyFile?: boolean;
  /** Make a new link even when the same bytes already have a live one. */
  newLink?: boolean;
  /** An album where some files fail to upload: share the ones that arrived (exit 5). */
  partial?: boolean;
  /** `--concurrency N`, as typed: how many files of an album upload at once. */
  concurrency?: string;
  /**
   * Whether dmshare revokes its own expiring links of this provider on time here (an hourly
   * prune timer for this config folder, with a stored login for the provider). Only then does
   * the message promise the expiry date of such a link.
   */
  dmshareExpiryOnTime?: (provider: string) => Promise<boolean>;
}

/** A send, parsed and checked: what the send pipeline works with. */
export interface SendSettings {
  paths: string[];
  /** The provider as named (`--via`); undefined: the `provider` setting decides. */
  via?: string;
  album?: string;
  each: boolean;
  /** When the link stops working (`--expires`); null: it doesn't. */
  expiresAt: Date | null;
  noDownload: boolean;
  /** `--message` or `--preset`; undefined: the `message` or `preset` setting decides. */
  style?: MessageStyle;
  password?: () => Promise<string>;
  dryRun: boolean;
  /** Undefined: the `metadata` setting decides (strip by default). */
  keepMetadata?: boolean;
  convertToJpeg: boolean;
  /** The longest edge in pixels. */
  resize?: number;
  anyFile: boolean;
  newLink: boolean;
  /** Only for an album: share the files that arrived when some fail. */
  partial: boolean;
  /** Only for an album: at most this many files upload at once (the provider's default else). */
  concurrency?: number;
  dmshareExpiryOnTime?: (provider: string) => Promise<boolean>;
}

/**
 * The options as typed → settings, refusing (usage error) what can't be right whatever the
 * files are. `now` dates a relative `--expires`. What depends on the files (a single photo)
 * is checked by `refuseFlagsForPlans` once they are planned.
 */
export function parseSendOptions(request: SendRequest, now: Date): SendSettings {
  const expiresAt = request.expires === undefined ? null : parseExpiry(request.expires, now);
  if (request.each) refuseFlagsForEach(request);
  return {
    paths: request.paths,
    via: request.via,
    album: request.album,
    each: request.each,
    expiresAt,
    noDownload: request.noDownload,
    style: messageStyleOf(request),
    password: request.password,
    dryRun: request.dryRun,
    keepMetadata: request.keepMetadata,
    convertToJpeg: parseConvert(request.convert),
    resize: request.resize === undefined ? undefined : parseResize(request.resize),
    anyFile: request.anyFile === true,
    newLink: request.newLink === true,
    partial: request.partial === true,
    concurrency:
      request.concurrency === undefined ? undefined : parseConcurrency(request.concurrency),
    dmshareExpiryOnTime: request.dmshareExpiryOnTime,
  };
}

/**
 * `--each` sends the photos one after another and goes on past one that fails (exit 5):
 * `--partial` would change nothing and `--concurrency` would not be used, so both are refused.
 */
function refuseFlagsForEach(request: SendRequest): void {
  if (request.partial) {
    throw usageError(
      "--partial and --each can't be used together: --partial is for an album.",
      "--each already shares every photo that uploads and reports the others (exit 5): leave --partial out.",
    );
  }
  if (request.concurrency !== undefined) {
    throw usageError(
      "--concurrency and --each can't be used together: --each uploads one photo after another.",
      "--concurrency sets how many files of one album upload at once: leave it out, or send the files as an album (--album NAME).",
    );
  }
}

/**
 * A single photo (one file, no --album) is one upload, shared whole or not at all:
 * `--partial` and `--concurrency` have nothing to act on, so they are refused.
 */
export function refuseFlagsForPlans(
  settings: Pick<SendSettings, "partial" | "concurrency">,
  plans: readonly SharePlan[],
): void {
  const [only] = plans;
  if (plans.length !== 1 || only?.kind !== "photo") return;
  if (settings.partial) {
    throw usageError(
      `--partial is for an album, and ${only.name} is sent as a single photo.`,
      "One photo is shared whole or not at all: leave --partial out, or give --album NAME to send it as an album.",
    );
  }
  if (settings.concurrency !== undefined) {
    throw usageError(
      `--concurrency is for an album, and ${only.name} is sent as a single photo (one upload).`,
      "Leave --concurrency out, or give --album NAME to send it as an album.",
    );
  }
}

/** --message or --preset (not both); undefined when neither is given. */
function messageStyleOf(request: SendRequest): MessageStyle | undefined {
  if (request.message !== undefined && request.preset !== undefined) {
    throw usageError(
      "--message and --preset can't be used together.",
      "Give your own template with --message, or a built-in wording with --preset.",
    );
  }
  if (request.message !== undefined) {
    return { template: checkTemplate(request.message, "--message") };
  }
  if (request.preset !== undefined) return { preset: parsePreset(request.preset) };
  return undefined;
}

function parseConvert(format: string | undefined): boolean {
  if (format === undefined) return false;
  if (format.trim().toLowerCase() === "jpeg" || format.trim().toLowerCase() === "jpg") return true;
  throw usageError(
    `Can't convert to "${format}".`,
    `${didYouMean(format, ["jpeg", "jpg"])}The only format is jpeg: --convert jpeg.`,
  );
}

const MAX_CONCURRENCY = 32;

function parseConcurrency(text: string): number {
  const value = Number(text.trim());
  if (!Number.isInteger(value) || value < 1 || value > MAX_CONCURRENCY) {
    throw usageError(
      `--concurrency "${text}" is not a number of uploads from 1 to ${MAX_CONCURRENCY}.`,
      "Give how many files may upload at once, e.g. --concurrency 4 (1 uploads one after another).",
    );
  }
  return value;
}

function parseResize(pixels: string): number {
  const value = Number(pixels.trim().replace(/px$/i, ""));
  if (!Number.isInteger(value) || value < 16 || value > 20_000) {
    throw usageError(
      `--resize "${pixels}" is not a size in pixels.`,
      "Give the longest edge in pixels, e.g. --resize 2048.",
    );
  }
  return value;
}
