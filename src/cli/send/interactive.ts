import path from "node:path";
import { findPhotos, sendProblem } from "../../core/inputs.ts";
import { defaultAlbumName } from "../../core/plan.ts";
import { type DmshareExpiry, dmshareExpiryHere, whoEndsIt } from "../../core/prune-timer.ts";
import {
  connectProvider,
  loggedInProviders,
  notLoggedInAnywhere,
  timerCannotReach,
} from "../../core/session.ts";
import { findProvider } from "../../providers/catalog.ts";
import type { ProviderName } from "../../providers/provider.ts";
import { ConfigStore } from "../../store/config.ts";
import { askText, chooseOne, chooseSome, confirm } from "../../ui/ask.ts";
import type { Output } from "../../ui/output.ts";
import { formatBytes } from "../../ui/progress.ts";
import { truncate } from "../../ui/table.ts";
import { terminalWidth } from "../../ui/terminal-width.ts";

/** What `dmshare send` with no files asks for at a terminal; the rest comes from the flags. */
export interface SendAnswers {
  files: string[];
  via: string;
  album?: string;
  expires?: string;
}

const NOTHING_SENT = "nothing was sent.";

/** Answered, it reads "When should the link stop working? in 7 days". */
const EXPIRY_QUESTION = "When should the link stop working?";
const EXPIRY_CHOICES = [
  { value: "", name: "never (until you revoke it)" },
  { value: "1d", name: "in 1 day" },
  { value: "7d", name: "in 7 days" },
  { value: "30d", name: "in 30 days" },
];

/**
 * Files (picked from the photos in the current folder, or typed), the account (only those
 * logged in, the default first), the album name when there are several files, and the
 * expiry; then one confirmation. Null when the person says no.
 */
export async function askWhatToSend(
  output: Output,
  given: { via?: string; album?: string; each?: boolean; expires?: string; anyFile?: boolean },
): Promise<SendAnswers | null> {
  const { ctx } = output;
  const loggedIn = await loggedInProviders(ctx);
  if (loggedIn.length === 0) throw notLoggedInAnywhere();

  const files = await askFiles(output, given.anyFile === true);

  const via = given.via ?? (await askAccount(output, loggedIn));

  let album = given.album;
  if (files.length > 1 && album === undefined && !given.each) {
    album = await askText(output, NOTHING_SENT, "Album name", {
      default: defaultAlbumName(ctx.now()),
      validate: (text) => text.trim().length > 0 || "Give the album a name.",
    });
  }

  let expires = given.expires;
  // Without a link there is nothing to expire: the question would only lead to a refusal.
  const ender = await whoEndsLinks(output, via);
  if (expires === undefined && ender?.by !== "nobody") {
    if (ender?.by === "dmshare") {
      output.prompt(
        `${findProvider(via).displayName} can't expire links on this account: ${whoEndsIt(ender.how, "the time you pick", false, ender.cannot)}`,
      );
    }
    expires =
      (await chooseOne(output, NOTHING_SENT, EXPIRY_QUESTION, EXPIRY_CHOICES, "")) || undefined;
  }

  const what =
    files.length === 1
      ? path.basename(files[0] as string)
      : given.each
        ? `${files.length} photos, a link each,`
        : `${files.length} photos as the album "${album}"`;
  const until = expires
    ? `, link expires ${describeExpiry(expires)}${endedBy(ender, findProvider(via).displayName)}`
    : "";
  const go = await confirm(
    output,
    NOTHING_SENT,
    `Send ${what} with ${findProvider(via).displayName}${until}?`,
  );
  return go ? { files, via, album, expires } : null;
}

/**
 * Who ends links sent with `via`: the provider, or dmshare (how: timer, auto-prune or by
 * hand). Null when it can't be told (the provider did not answer): the send says it later.
 */
async function whoEndsLinks(
  output: Output,
  via: string,
): Promise<
  | { by: "provider" }
  | { by: "nobody" }
  | { by: "dmshare"; how: DmshareExpiry; cannot: string | undefined }
  | null
> {
  const { ctx } = output;
  try {
    const provider = await connectProvider(ctx, via);
    if (!provider.capabilities.publicLinks) return { by: "nobody" };
    if (provider.capabilities.expiry && ((await provider.nativeExpiry?.()) ?? true)) {
      return { by: "provider" };
    }
    const { realScheduler } = await import("../../store/scheduler.ts");
    return {
      by: "dmshare",
      how: await dmshareExpiryHere(realScheduler(ctx), ctx.paths.configDir),
      cannot: await timerCannotReach(ctx, via),
    };
  } catch {
    return null;
  }
}

/** " (Dropbox ends it)", " (dmshare's hourly timer ends it)" …, for the confirmation. */
function endedBy(ender: Awaited<ReturnType<typeof whoEndsLinks>>, provider: string): string {
  if (!ender || ender.by === "nobody") return "";
  if (ender.by === "provider") return `, ended by ${provider}`;
  if (ender.how.timer.kind !== null && ender.how.timerHere && !ender.cannot) {
    return ", revoked by dmshare's hourly timer";
  }
  return ender.how.autoPrune
    ? ", revoked by dmshare when it next runs after that"
    : ", revoked only when you run dmshare prune";
}

/** "in 7 days" for a choice offered above; what was typed after --expires otherwise. */
function describeExpiry(expires: string): string {
  const offered = EXPIRY_CHOICES.find((choice) => choice.value === expires);
  if (offered) return offered.name;
  return /^\d{4}-/.test(expires) ? `on ${expires}` : `in ${expires}`;
}

/**
 * The account to send with: those logged in, the configured default first. `send` asks this
 * alone when files are named at a terminal without --via and no default is set.
 */
export async function askAccount(output: Output, loggedIn?: ProviderName[]): Promise<string> {
  const { ctx } = output;
  const accounts = loggedIn ?? (await loggedInProviders(ctx));
  if (accounts.length === 0) throw notLoggedInAnywhere();
  const configured = (await new ConfigStore(ctx.paths.configDir).get("provider")) ?? "";
  const ordered = [...accounts].sort((a, b) => Number(b === configured) - Number(a === configured));
  return chooseOne(
    output,
    NOTHING_SENT,
    "Send with",
    ordered.map((name) => ({
      value: name,
      name: findProvider(name).displayName,
      description: findProvider(name).choiceNote,
    })),
    ordered[0],
  );
}

/**
 * A checkbox list of the photos here; with none, the path of one, checked as the command
 * line checks it (a folder, say, is refused with the same words).
 */
async function askFiles(output: Output, anyFile: boolean): Promise<string[]> {
  const { ctx } = output;
  const here = await findPhotos(ctx.cwd);
  if (here.length > 0) return pickFrom(output, here, "Photos to send");
  const typed = await askText(output, NOTHING_SENT, "No photos here. Photo to send", {
    validate: async (text) => (await sendProblem(text.trim(), ctx.cwd, { anyFile })) ?? true,
  });
  return [path.resolve(ctx.cwd, typed.trim())];
}

function pickFrom(output: Output, photos: Awaited<ReturnType<typeof findPhotos>>, message: string) {
  const { ctx } = output;
  return chooseSome(
    output,
    NOTHING_SENT,
    message,
    photos.map((photo) => ({
      value: photo.path,
      name: photoChoice(photo, terminalWidth(ctx.stderr)),
    })),
    (picked) => pickedSummary(photos.filter((photo) => picked.includes(photo.path))),
  );
}

/**
 * `beach.jpg (2.4 MB)`, the name cut with `…` so the line fits `width` columns after the
 * picker's `❯◯ ` (a wrapped choice would break the list's redraw); the size is always kept.
 */
export function photoChoice(photo: { name: string; bytes: number }, width: number): string {
  const size = ` (${formatBytes(photo.bytes)})`;
  return `${truncate(photo.name, Math.max(8, width - 4 - size.length))}${size}`;
}

/** Once picked: `beach.jpg (2.4 MB)` for one, `12 photos selected, 48 MB` for more. */
export function pickedSummary(picked: readonly { name: string; bytes: number }[]): string {
  const bytes = formatBytes(picked.reduce((sum, photo) => sum + photo.bytes, 0));
  const [only] = picked;
  if (picked.length === 1 && only) return `${only.name} (${bytes})`;
  return `${picked.length} photos selected, ${bytes}`;
}
