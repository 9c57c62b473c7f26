import type { Command } from "commander";
import type { Ctx } from "../context.ts";
import { viewOf } from "../core/links.ts";
import { presetNames, sharedWhat } from "../core/message.ts";
import type { SharePlan } from "../core/plan.ts";
import { type DmshareExpiry, dmshareExpiryHere, whoEndsIt } from "../core/prune-timer.ts";
import { type PreparedPlan, type SendOutcome, type SendRequest, send } from "../core/send.ts";
import { timerCannotReach } from "../core/session.ts";
import { localDateTime } from "../core/time-format.ts";
import { batchExitCode, EXIT_CODES, usageError } from "../errors.ts";
import { displayNameOf } from "../providers/registry.ts";
import { ConfigStore } from "../store/config.ts";
import { askSecret, canAsk } from "../ui/ask.ts";
import { copyToClipboard } from "../ui/clipboard.ts";
import { errorSummary, Output } from "../ui/output.ts";
import { formatBytes, type Progress, startProgress } from "../ui/progress.ts";
import { readAll } from "../ui/prompt.ts";
import { showQrCode } from "../ui/qr.ts";
import { type CommandRegistrar, globalOptions } from "./program.ts";

interface SendOptions {
  via?: string;
  album?: string;
  each?: boolean;
  message?: string;
  preset?: string;
  expires?: string;
  password?: boolean;
  passwordStdin?: boolean;
  qr?: boolean;
  download: boolean;
  copy: boolean;
  json?: boolean;
  quiet?: boolean;
  null?: boolean;
  dryRun?: boolean;
  open?: boolean;
  keepMetadata?: boolean;
  convert?: string;
  resize?: string;
  anyFile?: boolean;
  newLink?: boolean;
  partial?: boolean;
  concurrency?: string;
}

export const register: CommandRegistrar = (program, ctx, outcome) => {
  const send = program
    .command("send")
    .summary("upload photos and copy a view-only link")
    .description(
      "Upload a photo (or several, as one album) to your own cloud account, make a view-only link " +
        "and copy a ready-to-paste message with it. One file gives a photo link; several files or " +
        "--album give one album link; --each gives a link per file. `-` reads file paths from stdin.\n\n" +
        "Providers: dropbox; gdrive (google, drive): a Drive link anyone can view; gphotos " +
        "(google-photos): Google lets only its own app share, so dmshare uploads into a private " +
        "album, copies nothing and prints the album to open and press Share in (use gdrive for " +
        "a link in one step).",
    )
    .argument("[files...]", "photos or videos to send; - reads paths from stdin, one per line")
    .option("--via <provider>", "where to upload (default: dmshare config set provider …)")
    .option("--album <name>", "send the files as one album with this name")
    .option("--each", "one link per file instead of one album")
    .option(
      "--message <template>",
      "message to copy; placeholders {url} {name} {count} {expires} {provider}",
    )
    .option("--preset <name>", `built-in message wording: ${presetNames().join(", ")}`)
    .option(
      "--expires <when>",
      "link stops working after 30m, 12h, 7d, 2w or on a date (2026-12-31)",
    )
    .option("--no-download", "viewers can see but not download (where the plan allows)")
    .option(
      "--password",
      "viewers must type a password, asked for at the terminal (Dropbox paid plans)",
    )
    .option("--password-stdin", "like --password, but read the password from stdin")
    .option("--no-copy", "do not copy the message to the clipboard")
    .option("--json", "print the result as JSON")
    .option("-q, --quiet", "print only the URL")
    .option("-0, --null", "with -, paths on stdin are separated by NUL (find -print0)")
    .option(
      "--keep-metadata",
      "upload as is, with GPS location and camera details (default: removed)",
    )
    .option("--convert <format>", "turn HEIC/HEIF photos into jpeg (re-encodes them)")
    .option("--resize <px>", "make the longest edge at most this many pixels (re-encodes)")
    .option("--any-file", "also send files that are not photos or videos, as they are")
    .option("--new-link", "make a new link even if the same photos already have a live one")
    .option(
      "--concurrency <n>",
      "how many files of an album upload at once (default: 6 on Dropbox, 4 on Google)",
    )
    .option(
      "--partial",
      "if some files of an album fail to upload, share the rest (exit 5) instead of nothing",
    )
    .option("--dry-run", "show what would be uploaded and shared, do nothing")
    .option("--open", "open the link in the browser afterwards")
    .option("--qr", "also show the link as a QR code (on stderr) to scan with a phone")
    .addHelpText(
      "after",
      `
With no files at a terminal, dmshare asks what to send, where, and for how long.
The password is never taken from the command line (it would stay in your shell history).

Examples:
  $ dmshare send
  $ dmshare send beach.jpg --via dropbox
  $ dmshare send day1/*.jpg --album "Lisbon trip"
  $ dmshare send *.jpg --each --no-copy --json
  $ find . -name '*.jpg' -print0 | dmshare send - -0 --album weekend --quiet
  $ dmshare send beach.jpg --expires 7d --message "Look! {url} (until {expires})"
  $ dmshare send beach.jpg --preset friendly --qr
  $ dmshare send beach.jpg --password
  $ pass show photos | dmshare send beach.jpg --password-stdin --quiet`,
    )
    .action(async (files: string[], options: SendOptions, command: Command) => {
      outcome.exitCode = await runSend(ctx, files, options, command);
    });
  refusePasswordArgument(send);
};

/**
 * `--password=VALUE` would leave the password in the shell's history: say why it is refused
 * (without repeating it) instead of commander's "unknown option '--password=VALUE'".
 */
function refusePasswordArgument(command: Command) {
  const parser = command as unknown as { unknownOption(flag: string): never };
  const unknownOption = parser.unknownOption.bind(parser);
  parser.unknownOption = (flag) => {
    if (!/^--password(-stdin)?=/.test(flag)) return unknownOption(flag);
    throw usageError(
      "--password takes no value on the command line: it would stay in your shell history.",
      "Use --password to be asked for it, or pipe it in with --password-stdin.",
    );
  };
}

async function runSend(ctx: Ctx, files: string[], options: SendOptions, command: Command) {
  const output = new Output(ctx, {
    json: options.json,
    quiet: options.quiet,
    color: globalOptions(command).color,
  });
  let paths: string[];
  if (files.length === 0 && canAsk(ctx)) {
    const { askWhatToSend } = await import("./send-interactive.ts");
    const answers = await askWhatToSend(output, options);
    if (!answers) {
      output.info("Nothing was sent.");
      return EXIT_CODES.success;
    }
    paths = answers.files;
    Object.assign(options, { via: answers.via, album: answers.album, expires: answers.expires });
  } else {
    paths = await resolvePaths(output, files, options.null === true);
    if (
      options.via === undefined &&
      !options.dryRun &&
      canAsk(ctx) &&
      !(await hasDefaultProvider(ctx))
    ) {
      const { askAccount } = await import("./send-interactive.ts");
      options.via = await askAccount(output);
    }
  }
  const request: SendRequest = {
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
    dmshareExpiryOnTime: async (provider) => (await timerEndsOnTime(ctx, provider)).onTime,
  };
  let progress: Progress | undefined;
  let uploadStarted = 0;
  try {
    const result = await send(ctx, request, {
      uploading: async (plan) => {
        uploadStarted = Date.now();
        progress = await startProgress(output, `Uploading ${describePlan(plan)}…`);
      },
      progress: (sent, total) => {
        const seconds = Math.max(0.001, (Date.now() - uploadStarted) / 1000);
        progress?.update(
          `Uploading… ${formatBytes(sent)} of ${formatBytes(total)} (${formatBytes(sent / seconds)}/s)`,
        );
      },
      uploaded: (plan) => {
        progress?.succeed(`Uploaded ${describePlan(plan, describePreparation(plan))}`);
        for (const note of preparationNotes(plan)) output.warn(note);
      },
      linked: (_plan, link) =>
        output.success(
          link.reused ? "Reused the existing view-only link" : "View-only link created",
        ),
      reusedEarlier: (plan, earlier) =>
        output.success(
          `Already shared ${plan.kind === "photo" ? "this" : "these"} ${sharedWhat(plan.kind, plan.files)} on ${localDateTime(new Date(earlier.createdAt))} (${earlier.id}): reusing that link (--new-link makes a new one)`,
        ),
      failed: () => progress?.stop(),
    });
    return await report(ctx, output, result, options);
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
    const { realScheduler } = await import("../store/scheduler.ts");
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
  const text = await readAll(ctx, "nothing was sent.");
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

/** ", location data removed" when it was there and is gone; re-encodings said aloud. */
function describePreparation(plan: PreparedPlan): string[] {
  const parts: string[] = [];
  const cleaned = plan.files.filter((file) => file.preparation.metadata?.locationRemoved).length;
  if (cleaned > 0) {
    parts.push(
      plan.files.length === 1
        ? "location data removed"
        : `location data removed from ${cleaned} of ${plan.files.length}`,
    );
  }
  const reencoded = plan.files.flatMap((file) =>
    file.preparation.reencoded.map((what) =>
      plan.files.length === 1 ? what : `${file.name} ${what}`,
    ),
  );
  parts.push(...reencoded);
  return parts;
}

/** What could not be done to a file: metadata a format keeps, options that did not apply. */
function preparationNotes(plan: PreparedPlan): string[] {
  return plan.files.flatMap((file) => [
    ...(file.preparation.metadata?.notRemoved
      ? [`${file.name}: ${file.preparation.metadata.notRemoved}`]
      : []),
    ...(file.preparation.metadata?.notes ?? []).map((note) => `${file.name}: ${note}`),
    ...file.preparation.notes,
  ]);
}

function describePlan(plan: SharePlan, details: string[] = []): string {
  const bytes = formatBytes(plan.files.reduce((sum, file) => sum + file.bytes, 0));
  const about = [bytes, ...details].join(", ");
  if (plan.kind === "photo") return `${plan.name} (${about})`;
  return `${plan.files.length} files to album "${plan.name}" (${about})`;
}

async function report(ctx: Ctx, output: Output, result: SendOutcome, options: SendOptions) {
  const providerLabel = displayNameOf(result.provider);
  if (options.dryRun) {
    if (options.json) {
      output.document({
        dryRun: true,
        provider: result.provider,
        shares: result.plans.map((plan) => ({
          kind: plan.kind,
          name: plan.name,
          files: plan.files.map((file) => ({ path: file.path, bytes: file.bytes })),
        })),
      });
    } else {
      for (const plan of result.plans) {
        output.result(
          `Would upload ${describePlan(plan)} to ${providerLabel} and make a view-only link.`,
        );
      }
    }
    return 0;
  }

  const shared = result.links.filter((link) => link.entry.url !== null);
  const messages = shared.map((link) => link.entry.message ?? link.entry.url ?? "");
  let copied = false;
  if (options.copy && messages.length > 0) {
    const copy = await copyToClipboard(messages.join("\n"));
    copied = copy.copied;
    if (copy.copied) output.success("Copied the message to the clipboard:");
    else
      output.warn(
        `Could not copy to the clipboard: ${copy.reason}.`,
        "The message is printed below; --no-copy skips the clipboard.",
      );
  }

  const now = ctx.now();
  if (options.json) {
    const documents: object[] = result.links.map((link) => ({
      ...viewOf(link.entry, now),
      copied: copied && link.entry.url !== null,
      ...(link.missing && {
        failures: link.missing.map(({ file, error }) => ({
          path: file.path,
          error: errorSummary(error, ctx.env),
        })),
      }),
    }));
    for (const { plan, error } of result.failures) {
      documents.push({
        kind: plan.kind,
        name: plan.name,
        files: plan.files.map((file) => ({ path: file.path, remotePath: null, bytes: file.bytes })),
        status: "failed",
        error: errorSummary(error, ctx.env),
      });
    }
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
      await showQrCode(
        output,
        link.entry.url ?? "",
        shared.length > 1 ? link.entry.name : undefined,
      );
    }
  }

  if (options.open) {
    for (const { entry } of result.links) {
      const url = entry.url ?? entry.target?.ownerUrl;
      if (!url) continue;
      await ctx.openUrl(url).catch(() => output.warn(`Could not open a browser for ${url}.`));
    }
  }
  for (const { plan, error } of result.failures)
    output.failure(`Could not send ${plan.name}:`, error);
  const missing = result.links.flatMap((link) => link.missing ?? []);
  for (const { file, error } of missing) output.failure(`Could not upload ${file.name}:`, error);
  if (missing.length > 0) {
    output.warn(
      `The link shares the album without ${missing.length === 1 ? "that file" : `those ${missing.length} files`} (--partial).`,
      "Send them again on their own, or revoke the link and send the whole album again.",
    );
  }
  if (result.interrupted) {
    output.warn(
      `Interrupted: ${result.links.length} of ${result.plans.length} links were made (shown above); the rest were not sent.`,
    );
    return EXIT_CODES.interrupted;
  }
  return batchExitCode(result.links.length, [
    ...result.failures.map((failure) => failure.error),
    ...missing.map((failure) => failure.error),
  ]);
}
