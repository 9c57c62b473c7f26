import type { Ctx } from "../../context.ts";
import { type DmshareExpiry, dmshareExpiryHere, whoEndsIt } from "../../core/prune-timer.ts";
import {
  parseSendOptions,
  type SendOutcome,
  type SendRequest,
  send,
} from "../../core/send/index.ts";
import { timerCannotReach } from "../../core/session.ts";
import { localDateTime } from "../../core/time-format.ts";
import { batchExitCode, EXIT_CODES, usageError } from "../../lib/errors.ts";
import { displayNameOf } from "../../providers/catalog.ts";
import { lastClipboardFailure, rememberClipboardFailure } from "../../store/clipboard-state.ts";
import { ConfigStore } from "../../store/config.ts";
import { askSecret, canAsk } from "../../ui/ask.ts";
import { copyToClipboard } from "../../ui/clipboard.ts";
import type { Output } from "../../ui/output.ts";
import { startUploadProgress, type UploadProgress } from "../../ui/progress.ts";
import { readAll } from "../../ui/prompt.ts";
import { showQrCode } from "../../ui/qr.ts";
import { type CommandRegistrar, declined } from "../run.ts";
import { type SendOptions, sendCommand } from "./command.ts";
import {
  accountLabel,
  describePlan,
  describePreparation,
  interruptedLine,
  labelledMessages,
  linkDocuments,
  partialWarning,
  preparationNotes,
  reusedEarlierLine,
} from "./render.ts";
import { dryRunDocument, dryRunLines } from "./render-dry-run.ts";

export const register: CommandRegistrar = (program, run) => {
  sendCommand(program).action(async (files, options) => {
    run.exitCode = await runSend(run.output, files, options);
  });
};

async function runSend(output: Output, files: string[], options: SendOptions) {
  const { ctx } = output;
  let paths: string[];
  if (files.length === 0 && canAsk(ctx)) {
    const { askWhatToSend } = await import("./interactive.ts");
    const answers = await askWhatToSend(output, options);
    if (!answers) return declined(output, "sent");
    paths = answers.files;
    Object.assign(options, { via: answers.via, album: answers.album, expires: answers.expires });
  } else {
    paths = await resolvePaths(output, files, options.null === true);
    // A dry run asks as the real run does: it shows what that run would do.
    if (options.via === undefined && canAsk(ctx) && !(await hasDefaultProvider(ctx))) {
      const { askAccount } = await import("./interactive.ts");
      options.via = await askAccount(output);
    }
  }
  return sendPaths(output, requestFor(output, paths, files, options), options);
}

/** What core's `send` is asked to do, from the options as typed. */
function requestFor(
  output: Output,
  paths: string[],
  files: string[],
  options: SendOptions,
): SendRequest {
  return {
    paths,
    password: passwordSource(output, options, files),
    preset: options.preset,
    via: options.via,
    album: options.album,
    each: options.each === true,
    expires: options.expires,
    noDownload: !options.download,
    message: options.message,
    dryRun: options.dryRun === true,
    // Only an explicit --keep-metadata overrides the `metadata` setting.
    keepMetadata: options.keepMetadata === true ? true : undefined,
    convert: options.convert,
    resize: options.resize,
    anyFile: options.anyFile === true,
    newLink: options.newLink === true,
    partial: options.partial === true,
    concurrency: options.concurrency,
    dmshareExpiryOnTime: async (provider) => (await timerEndsOnTime(output.ctx, provider)).onTime,
  };
}

/** Runs the send, showing its steps on stderr, then reports what was shared. */
async function sendPaths(output: Output, request: SendRequest, options: SendOptions) {
  let progress: UploadProgress | undefined;
  try {
    const result = await send(output.ctx, parseSendOptions(request, output.ctx.now()), {
      uploading: async (plan) => {
        progress = await startUploadProgress(output, plan.files);
      },
      progress: (_sent, _total, file, fileSent) => progress?.sent(file, fileSent),
      uploaded: (plan, to) => {
        const what = describePlan(plan, describePreparation(plan));
        progress?.succeed(
          `Uploaded ${what} to ${accountLabel(displayNameOf(to.provider), to.account)}`,
        );
        for (const note of preparationNotes(plan)) output.warn(note);
      },
      linked: (_plan, link) =>
        output.success(
          link.reused ? "Reused the existing view-only link" : "View-only link created",
        ),
      reusedEarlier: (plan, earlier) => output.success(reusedEarlierLine(plan, earlier)),
      failed: () => progress?.stop(),
    });
    return await report(output, result, options);
  } finally {
    progress?.stop();
  }
}

/**
 * Whether the prune timer ends this provider's links on time: installed, for this config
 * folder, and with a stored login it can use (it gets no DMSHARE_*_TOKEN).
 */
async function timerEndsOnTime(ctx: Ctx, provider: string) {
  const state = await dmshareExpiry(ctx);
  const cannot =
    state.timer.kind !== null && state.timerHere
      ? await timerCannotReach(ctx, provider)
      : undefined;
  return { state, cannot, onTime: state.timer.kind !== null && state.timerHere && !cannot };
}

/** How dmshare ends the links it must revoke itself (read once per run, when needed). */
let expiryHere: Promise<DmshareExpiry> | undefined;
async function dmshareExpiry(ctx: Ctx): Promise<DmshareExpiry> {
  expiryHere ??= (async () => {
    const { realScheduler } = await import("../../store/scheduler.ts");
    return dmshareExpiryHere(realScheduler(ctx), ctx.paths.configDir);
  })();
  return expiryHere;
}

const hasDefaultProvider = async (ctx: Ctx) =>
  (await new ConfigStore(ctx.paths.configDir).get("provider")) !== undefined;

/**
 * Where the link password comes from: a question at the terminal (--password) or stdin
 * (--password-stdin); never argv, which would keep it in the shell's history.
 */
function passwordSource(
  output: Output,
  options: SendOptions,
  files: string[],
): (() => Promise<string>) | undefined {
  const { ctx } = output;
  if (options.passwordStdin) {
    if (files.includes("-")) {
      throw usageError(
        "--password-stdin and - (paths on stdin) can't both read stdin.",
        "Name the files as arguments, or use --password to be asked at the terminal.",
      );
    }
    return async () => {
      const password = (await readAll(ctx, "nothing was sent.")).replace(/\r?\n$/, "");
      if (!password) {
        throw usageError(
          "--password-stdin read no password: stdin was empty.",
          'Pipe the password in, e.g. printf %s "$PASS" | dmshare send beach.jpg --password-stdin',
        );
      }
      return password;
    };
  }
  if (!options.password) return undefined;
  if (!canAsk(ctx)) {
    throw usageError(
      "--password asks for the password at a terminal, and this isn't one.",
      'Pipe it in instead: printf %s "$PASS" | dmshare send beach.jpg --password-stdin',
    );
  }
  return () => askSecret(output, "nothing was shared.", "Password for the link");
}

/** `send -` reads the paths from stdin; `-` anywhere else is a usage error. */
async function resolvePaths(
  output: Output,
  files: string[],
  nulSeparated: boolean,
): Promise<string[]> {
  const { ctx } = output;
  if (!files.includes("-")) {
    if (nulSeparated) throw usageError("-0/--null only applies to paths read from stdin (-).");
    return files;
  }
  if (files.length > 1) {
    throw usageError("`-` (read paths from stdin) must be the only file argument.");
  }
  if (ctx.stdin.isTTY) {
    // Typed by hand (a pipe was meant, or forgotten): say what is read and how to stop.
    output.prompt(
      `Reading the paths of the photos to send from the terminal, one per line.\n` +
        `Press Ctrl-D on an empty line when done (Ctrl-Z, Enter on Windows), Ctrl-C to cancel.`,
    );
  }
  // A byte-order mark (PowerShell 5.1 writes one with $OutputEncoding = UTF8) is no path.
  const text = (await readAll(ctx, "nothing was sent.")).replace(/^\uFEFF/, "");
  const separator = nulSeparated ? "\0" : /\r?\n/;
  return text.split(separator).filter((line) => line.length > 0);
}

/**
 * Uploads the provider can't share (Google Photos): why, and where the owner can press Share.
 * Their private page is never printed as if it were a link: with --quiet it goes to stderr.
 */
function reportUnshared(output: Output, result: SendOutcome, options: SendOptions) {
  const unshared = result.links.filter((link) => link.entry.status === "needs-sharing");
  if (unshared.length === 0 || options.json) return;
  output.warn(result.sharingNote ?? "This provider can't make share links.");
  for (const { entry } of unshared) {
    const page = entry.target?.ownerUrl ?? "(no address given)";
    if (options.quiet) output.warn(`${entry.name}: ${page}`);
    else output.result(`${entry.name} (only you can open this): ${page}`);
  }
}

/**
 * Links whose expiry the provider (or plan) can't enforce: say on stderr (even with --json or
 * --quiet) who ends them and how, and when nothing does on time, that the message does not
 * promise the date.
 */
async function reportLocalExpiry(output: Output, result: SendOutcome) {
  const local = result.links.filter(
    (link) => !link.reused && link.entry.expiryEnforcedBy === "dmshare" && link.entry.expiresAt,
  );
  const [first] = local;
  if (!first?.entry.expiresAt) return;
  const when = localDateTime(new Date(first.entry.expiresAt));
  const several = local.length > 1;
  const { state, cannot, onTime } = await timerEndsOnTime(output.ctx, result.provider);
  output.warn(
    `${displayNameOf(result.provider)} won't expire ${several ? "these links" : "this link"} on this account: ${whoEndsIt(state, when, several, cannot)}`,
    onTime ? undefined : "So the message does not say until when it works.",
  );
}

/** How dmshare would end the dry run's links the provider can't expire (as a real run says). */
async function dryRunEnds(ctx: Ctx, result: SendOutcome): Promise<string | undefined> {
  const { dryRun } = result;
  if (dryRun?.expiryBy !== "dmshare" || !dryRun.expiresAt) return undefined;
  const { state, cannot } = await timerEndsOnTime(ctx, result.provider);
  const several = dryRun.shares.filter((share) => !share.reuses).length > 1;
  return whoEndsIt(state, localDateTime(dryRun.expiresAt), several, cannot);
}

/**
 * The message on the clipboard unless --no-copy or the `copy` setting says no (--copy
 * overrides it); whether it got there. A clipboard that can't be reached is said once per
 * reason (remembered in the config folder), unless --copy asked for it.
 */
async function copyMessages(output: Output, messages: string[], options: SendOptions) {
  const { ctx } = output;
  if (messages.length === 0 || !(await wantsCopy(ctx, options))) return false;
  const copy = await copyToClipboard(messages.join("\n"), ctx.system.platform);
  const { configDir } = ctx.paths;
  if (copy.copied) {
    output.success("Copied the message to the clipboard:");
    if (await lastClipboardFailure(configDir)) await rememberClipboardFailure(configDir, undefined);
    return true;
  }
  if (options.copy === true || (await lastClipboardFailure(configDir)) !== copy.reason) {
    output.warn(
      `Could not copy to the clipboard: ${copy.reason}.`,
      "The message is printed below. dmshare config set copy off stops trying (--no-copy for one send); this is said once.",
    );
    await rememberClipboardFailure(configDir, copy.reason);
  }
  return false;
}

/** --copy or --no-copy, else the `copy` setting (on unless set off). */
async function wantsCopy(ctx: Ctx, options: SendOptions): Promise<boolean> {
  if (options.copy !== undefined) return options.copy;
  return (await new ConfigStore(ctx.paths.configDir).get("copy")) !== "off";
}

async function report(output: Output, result: SendOutcome, options: SendOptions) {
  const { ctx } = output;
  if (options.dryRun) {
    if (options.json) output.document(dryRunDocument(result));
    else {
      const ends = await dryRunEnds(output.ctx, result);
      for (const line of dryRunLines(result, displayNameOf(result.provider), ends)) {
        output.result(line);
      }
    }
    return EXIT_CODES.success;
  }
  const shared = result.links.filter((link) => link.entry.url !== null);
  const messages = labelledMessages(
    shared.map(({ entry }) => ({
      name: entry.name,
      url: entry.url ?? "",
      message: entry.message ?? entry.url ?? "",
    })),
  );
  const copied = await copyMessages(output, messages, options);
  if (options.json) {
    const documents = linkDocuments(result, copied, ctx.now(), ctx.env);
    output.document(options.each ? documents : documents[0]);
  } else if (options.quiet) {
    for (const link of shared) output.result(link.entry.url ?? "");
  } else {
    for (const message of messages) output.result(message);
  }
  reportUnshared(output, result, options);
  await reportLocalExpiry(output, result);
  if (options.qr) {
    for (const link of shared) {
      const label = shared.length > 1 ? link.entry.name : undefined;
      await showQrCode(output, link.entry.url ?? "", label);
    }
  }
  if (options.open) {
    for (const { entry } of result.links) {
      const url = entry.url ?? entry.target?.ownerUrl;
      if (!url) continue;
      await ctx.openUrl(url).catch(() => output.warn(`Could not open a browser for ${url}.`));
    }
  }
  return reportFailures(output, result);
}

/** The shares and files that failed, then the exit code of the whole send. */
function reportFailures(output: Output, result: SendOutcome): number {
  for (const { plan, error } of result.failures)
    output.failure(`Could not send ${plan.name}:`, error);
  const missing = result.links.flatMap((link) => link.missing ?? []);
  for (const { file, error } of missing) output.failure(`Could not upload ${file.name}:`, error);
  if (missing.length > 0) output.warn(...partialWarning(missing.length));
  if (result.interrupted) {
    output.warn(interruptedLine(result));
    return EXIT_CODES.interrupted;
  }
  return batchExitCode(result.links.length, [
    ...result.failures.map((failure) => failure.error),
    ...missing.map((failure) => failure.error),
  ]);
}
