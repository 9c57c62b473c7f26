import type { Command } from "@commander-js/extra-typings";

/** `dmshare inspect`: its arguments, options, help and examples. */
export function inspectCommand(program: Command) {
  return program
    .command("inspect")
    .summary("show what a photo tells about you, and what dmshare would send")
    .description(
      "Show what each photo or video tells about its sender (location, device and serial " +
        "numbers, names, dates, software, embedded thumbnails and videos), then what dmshare " +
        "would send: the copy with its metadata removed, checked by the same independent " +
        "check that guards every send. Nothing is uploaded and your files are not changed.",
    )
    .argument("<files...>", "photos or videos")
    .option("--json", "print one JSON document (an array, one entry per file)")
    .addHelpText(
      "after",
      "\nExamples:\n  $ dmshare inspect IMG_0001.jpg\n  $ dmshare inspect *.heic --json | jq '.[].before.location'",
    );
}

export type InspectOptions = ReturnType<ReturnType<typeof inspectCommand>["opts"]>;
