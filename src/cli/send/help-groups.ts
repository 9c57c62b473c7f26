import type { CommandUnknownOpts } from "@commander-js/extra-typings";

/**
 * `send --help` groups its options, as gh does its flags: what to send, the link, privacy,
 * what is printed and copied. An option not named here stays under "Options:", last.
 */
export const SEND_OPTION_GROUPS: Record<string, readonly string[]> = {
  "What to send:": [
    "--via",
    "--album",
    "--each",
    "--null",
    "--any-file",
    "--new-link",
    "--concurrency",
    "--partial",
    "--dry-run",
  ],
  "Link settings:": ["--expires", "--no-download", "--password", "--password-stdin"],
  "Privacy:": ["--keep-metadata", "--convert", "--resize"],
  "Output:": [
    "--message",
    "--preset",
    "--copy",
    "--no-copy",
    "--json",
    "--quiet",
    "--open",
    "--qr",
  ],
};

const HEADINGS = Object.keys(SEND_OPTION_GROUPS);

/** Puts each of `send`'s options in its group, the groups in the order above. */
export function groupSendOptions<Send extends CommandUnknownOpts>(send: Send): Send {
  const groupOf = new Map<string, string>();
  for (const [heading, flags] of Object.entries(SEND_OPTION_GROUPS)) {
    for (const flag of flags) groupOf.set(flag, heading);
  }
  for (const option of send.options) {
    const heading = option.long === undefined ? undefined : groupOf.get(option.long);
    if (heading) option.helpGroup(heading);
  }
  // Commander lists the groups in the order their first option was added: a stable sort.
  const rank = (heading: string | undefined) =>
    heading === undefined ? HEADINGS.length : HEADINGS.indexOf(heading);
  (send.options as CommandUnknownOpts["options"][number][]).sort(
    (a, b) => rank(a.helpGroupHeading) - rank(b.helpGroupHeading),
  );
  return send;
}
