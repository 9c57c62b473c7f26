// `dmshare --version` and `dmshare --help` (and `version`, `help`) without building the program: the answers are
// made at build time by running the built program itself (scripts/build.ts), so they are
// its own output and cannot drift from it. Loading commander and every command's definitions
// was about a third of their start-up time. This file imports nothing.

/** What the program prints for `--version` and for its top-level help, by terminal width. */
export interface FastAnswers {
  version: string;
  help: {
    /** The distinct help texts. */
    texts: string[];
    /** For a terminal `width` columns wide (0 …): the index of its text in `texts`. */
    byWidth: number[];
    /** The text off a terminal (piped), where commander wraps at 80 columns. */
    piped: number;
  };
}

/** The part of stdout that decides the help's width, as commander reads it. */
export interface HelpTarget {
  isTTY?: boolean;
  columns?: number;
}

declare const __DMSHARE_FAST_ANSWERS__: FastAnswers | undefined;

/** The answers the build wrote into dist/fast-path.js; none in the sources the tests run. */
const BUILT: FastAnswers | undefined =
  typeof __DMSHARE_FAST_ANSWERS__ === "undefined" ? undefined : __DMSHARE_FAST_ANSWERS__;

// `dmshare version` and `dmshare help` print the same (the build checks it).
const VERSION_FLAGS = new Set(["-V", "--version", "version"]);
const HELP_FLAGS = new Set(["-h", "--help", "help"]);

/**
 * What `dmshare <argv>` prints on stdout (exit code 0) when it is only the version or the
 * top-level help; undefined for anything else, which the program itself handles.
 */
export function fastAnswer(
  argv: readonly string[],
  stdout: HelpTarget,
  answers: FastAnswers | undefined = BUILT,
): string | undefined {
  if (answers === undefined || argv.length > 1) return undefined;
  const [flag] = argv;
  if (flag !== undefined && VERSION_FLAGS.has(flag)) return answers.version;
  if (flag !== undefined && !HELP_FLAGS.has(flag)) return undefined;
  const { texts, byWidth, piped } = answers.help;
  // Commander wraps at stdout's columns on a terminal, at 80 off one.
  const columns = stdout.isTTY ? stdout.columns : undefined;
  if (columns === undefined) return texts[piped];
  // Past the widest line, a wider terminal changes nothing (the build checks it).
  const width = Math.min(Math.max(0, Math.floor(columns)), byWidth.length - 1);
  const index = byWidth[width];
  return index === undefined ? undefined : texts[index];
}
