import type { Output } from "./output.ts";
import { type FileTransfer, progressLine, type Transfer } from "./progress-line.ts";

export { formatBytes } from "./progress-line.ts";

/** A file as the upload reports it (the same object each time). */
export interface UploadingFile {
  readonly name: string;
  readonly bytes: number;
}

/** What a send shows while its files go up. */
export interface UploadProgress {
  /** `bytesSent` of `file` have gone up so far. */
  sent(file: UploadingFile, bytesSent: number): void;
  /** The upload finished: the line becomes `✔ text`. */
  succeed(text: string): void;
  /** Gone without a trace (failure, Ctrl-C). */
  stop(): void;
}

/** A plain terminal gets a new line at most this often (it can't be trusted to redraw one). */
const PLAIN_EVERY_MS = 1000;
/** Width assumed for a terminal that does not say. */
const DEFAULT_COLUMNS = 80;

/**
 * Progress of an upload, on stderr only at a terminal and never with --quiet or --json: with
 * colour a spinner line redrawn in place (ora, loaded only then); without (NO_COLOR,
 * --no-color, TERM=dumb) a plain line at most once a second. The times come from the run's
 * clock; the once-a-second timer never keeps the process alive.
 */
export async function startUploadProgress(
  output: Output,
  files: readonly UploadingFile[],
): Promise<UploadProgress> {
  const { ctx } = output;
  const done = { succeed: (text: string) => output.success(text) };
  if (!ctx.stderr.isTTY || output.json || output.quiet) return { ...done, sent() {}, stop() {} };
  const transfer: Transfer = {
    files: files.map((file) => ({ name: file.name, bytes: file.bytes, sent: 0 })),
    startedAt: ctx.now().getTime(),
  };
  const byFile = new Map<UploadingFile, FileTransfer>(
    files.map((file, index) => [file, transfer.files[index] as FileTransfer]),
  );
  const record = (file: UploadingFile, bytesSent: number) => {
    const entry = byFile.get(file) ?? transfer.files.find((each) => each.name === file.name);
    if (entry) entry.sent = bytesSent;
  };
  const columns = () => ctx.stderr.columns ?? 0;
  // A terminal that reports no width (some `script`/CI ptys) sends ora into an endless redraw.
  if (!output.interactive || columns() <= 0) {
    const plain = plainLines(output, transfer, record);
    return {
      ...plain,
      succeed: (text) => {
        plain.stop();
        done.succeed(text);
      },
    };
  }
  const { default: ora } = await import("ora");
  // The spinner and a space before it, a column free after it.
  const line = () => uploadingLine(transfer, ctx.now().getTime(), columns() - 3);
  const spinner = ora({
    text: line(),
    stream: ctx.stderr,
    color: "cyan",
    isEnabled: true,
    // ora's default puts stdin in raw mode to swallow keys, and then ^C is a keypress, not
    // SIGINT: the send could not be stopped while the spinner turns. Ctrl-C must always work.
    discardStdin: false,
  }).start();
  // The rate and ETA move on between reports of bytes (a stall shows as a falling rate).
  const ticking = tick(() => {
    spinner.text = line();
  });
  return {
    sent: (file, bytesSent) => {
      record(file, bytesSent);
      spinner.text = line();
    },
    succeed: (text) => {
      clearInterval(ticking);
      spinner.stopAndPersist({ symbol: output.err.green("✔"), text });
    },
    stop: () => {
      clearInterval(ticking);
      spinner.stop();
    },
  };
}

/** Calls `work` once a second; the timer never keeps the process alive (Ctrl-C stays instant). */
function tick(work: () => void): NodeJS.Timeout {
  const timer = setInterval(work, PLAIN_EVERY_MS);
  timer.unref();
  return timer;
}

/**
 * `Uploading beach.jpg  1.0 MB of 4.0 MB  25%  …` now, then at most once a second while bytes
 * move: when told of them, or on the next tick when they were all reported at once.
 */
function plainLines(
  output: Output,
  transfer: Transfer,
  record: (file: UploadingFile, bytesSent: number) => void,
): Omit<UploadProgress, "succeed"> {
  const { ctx } = output;
  const sentNow = () => transfer.files.reduce((sum, file) => sum + file.sent, 0);
  let printedAt = 0;
  let printedSent = -1;
  const print = (nowMs: number) => {
    output.info(uploadingLine(transfer, nowMs, (ctx.stderr.columns || DEFAULT_COLUMNS) - 1));
    printedAt = nowMs;
    printedSent = sentNow();
  };
  let stopped = false;
  const printIfDue = () => {
    if (stopped) return;
    const nowMs = ctx.now().getTime();
    if (nowMs - printedAt >= PLAIN_EVERY_MS && sentNow() !== printedSent) print(nowMs);
  };
  print(transfer.startedAt);
  const ticking = tick(printIfDue);
  return {
    sent: (file, bytesSent) => {
      record(file, bytesSent);
      printIfDue();
    },
    stop: () => {
      stopped = true;
      clearInterval(ticking);
    },
  };
}

const UPLOADING = "Uploading ";

/** `Uploading beach.jpg  …`, at most `width` columns. */
const uploadingLine = (transfer: Transfer, nowMs: number, width: number) =>
  `${UPLOADING}${progressLine(transfer, nowMs, width - UPLOADING.length)}`;
