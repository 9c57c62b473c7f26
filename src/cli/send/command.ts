import type { Command } from "@commander-js/extra-typings";
import { presetNames } from "../../core/message.ts";
import { usageError } from "../../lib/errors.ts";
import { groupSendOptions } from "./help-groups.ts";

const DESCRIPTION =
  "Upload a photo (or several, as one album) to your own cloud account, make a view-only link " +
  "and copy a ready-to-paste message with it. One file gives a photo link; several files or " +
  "--album give one album link; --each gives a link per file. `-` reads file paths from stdin.\n\n" +
  "Providers: dropbox; gdrive (google, drive): a Drive link anyone can view; onedrive " +
  "(microsoft): a OneDrive view link anyone with it can open; gphotos " +
  "(google-photos): Google lets only its own app share, so dmshare uploads into a private " +
  "album, copies nothing and prints the album to open and press Share in (use gdrive for " +
  "a link in one step).";

const EXAMPLES = `
With no files at a terminal, dmshare asks what to send, where, and for how long.
The password is never taken from the command line (it would stay in your shell history).

Examples:
  $ dmshare send
  $ dmshare send beach.jpg --via dropbox
  $ dmshare send day1/*.jpg --album "Lisbon trip"
  $ dmshare send *.jpg --each --no-copy --json
  $ dmshare send day1/*.jpg --album "Lisbon trip" --expires 7d --dry-run
  $ find . -name '*.jpg' -print0 | dmshare send - -0 --album weekend --quiet
  $ dmshare send beach.jpg --expires 7d --message "Look! {url} (until {expires})"
  $ dmshare send beach.jpg --preset friendly --qr
  $ dmshare send beach.jpg --password
  $ pass show photos | dmshare send beach.jpg --password-stdin --quiet`;

/** `dmshare send`: its arguments, options, help and examples. */
export function sendCommand(program: Command) {
  const send = program
    .command("send")
    .summary("upload photos and copy a view-only link")
    .description(DESCRIPTION)
    .argument("[files...]", "photos or videos to send; - reads paths from stdin, one per line")
    .option("--via <provider>", "where to upload (default: dmshare config set provider …)")
    .option("--album <name>", "send the files as one album with this name")
    .option("--each", "one link per file instead of one album, each message naming its file")
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
    .option("--copy", "copy the message to the clipboard even with the copy setting off")
    .option(
      "--no-copy",
      "do not copy the message to the clipboard (or: dmshare config set copy off)",
    )
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
      "how many files of an album upload at once (default: 6; 4 on Google Photos and OneDrive)",
    )
    .option(
      "--partial",
      "if some files of an album fail to upload, share the rest (exit 5) instead of nothing",
    )
    .option(
      "--dry-run",
      "show what the real run would do (reuse, expiry and who ends it, what is removed), do nothing",
    )
    .option("--open", "open the link in the browser afterwards")
    .option("--qr", "also show the link as a QR code (on stderr) to scan with a phone")
    .addHelpText("after", EXAMPLES);
  groupSendOptions(send);
  // Commander shows every parse error through `outputError`; `--password=VALUE` becomes
  // dmshare's own error instead of "unknown option '--password=VALUE'".
  const { outputError = (text: string, write: (text: string) => void) => write(text) } =
    send.configureOutput();
  return send.configureOutput({
    outputError: (text, write) => {
      refusePasswordValue(text);
      outputError(text, write);
    },
  });
}

/** The options of `dmshare send` as commander parses them. */
export type SendOptions = ReturnType<ReturnType<typeof sendCommand>["opts"]>;

const PASSWORD_VALUE = /^error: unknown option '--password(-stdin)?=/;

/**
 * `--password=VALUE` would leave the password in the shell's history: say why it is refused
 * (without repeating it) instead of commander's "unknown option '--password=VALUE'".
 */
function refusePasswordValue(commanderError: string): void {
  if (!PASSWORD_VALUE.test(commanderError)) return;
  throw usageError(
    "--password takes no value on the command line: it would stay in your shell history.",
    "Use --password to be asked for it, or pipe it in with --password-stdin.",
  );
}
