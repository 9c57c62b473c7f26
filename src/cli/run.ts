import type { Command, CommandUnknownOpts } from "@commander-js/extra-typings";
import type { Ctx } from "../context.ts";
import { EXIT_CODES } from "../lib/errors.ts";
import { Output } from "../ui/output.ts";

/**
 * The options that shape how a run prints, whichever command has them: `--no-color` and
 * `--verbose` (the program's), `--json` (where a command offers it) and `--quiet` (send's).
 */
export interface GlobalOptions {
  json: boolean;
  quiet: boolean;
  color: boolean;
  verbose: boolean;
}

/** What commander parsed for `command` and the commands above it. */
export function globalOptionsOf(command: CommandUnknownOpts): GlobalOptions {
  const { json, quiet, color, verbose } = command.optsWithGlobals();
  return {
    // `list --json id,url` gives its fields as the value: JSON all the same.
    json: json === true || typeof json === "string",
    quiet: quiet === true,
    color: color !== false,
    verbose: verbose === true,
  };
}

/**
 * The options parsed so far when a run fails before any action (a usage error): those of the
 * deepest command commander got to, so `send --json --password=x` still answers in JSON.
 */
export function optionsSoFar(program: CommandUnknownOpts): GlobalOptions {
  return globalOptionsOf(commandReached(program));
}

/** The deepest command the arguments named (`dmshare config set …` → `set`). */
export function commandReached(program: CommandUnknownOpts): CommandUnknownOpts {
  let reached = program;
  for (;;) {
    const [name] = reached.args;
    const next = subcommandNamed(reached, name ?? "");
    if (!next) return reached;
    reached = next;
  }
}

/** The subcommand of `command` that `word` names, by its name or one of its aliases. */
export function subcommandNamed(
  command: CommandUnknownOpts,
  word: string,
): CommandUnknownOpts | undefined {
  return command.commands.find((sub) => sub.name() === word || sub.aliases().includes(word));
}

/**
 * One run of the command line: the context the commands get, the exit code they report and
 * the one Output everything prints with, made once commander has parsed the options.
 */
export class CliRun {
  readonly ctx: Ctx;
  exitCode: number = EXIT_CODES.success;
  private options: GlobalOptions | undefined;
  private current: Output | undefined;

  constructor(given: Ctx) {
    // Retry notices and warnings from deep inside a command obey the run's options too.
    this.ctx = {
      ...given,
      onRetry: (reason, delayMs) => this.output.retrying(reason, delayMs),
      onNotice: (text, hint) => this.output.warn(text, hint),
    };
  }

  /** Called once the options are parsed: before the action (preAction), or on a usage error. */
  start(options: GlobalOptions): Output {
    this.options = options;
    this.current = new Output(this.ctx, options);
    return this.current;
  }

  get started(): boolean {
    return this.options !== undefined;
  }

  /** The run's Output; before the options are parsed (nothing printed yet), the defaults'. */
  get output(): Output {
    this.current ??= new Output(this.ctx, DEFAULTS);
    return this.current;
  }

  get verbose(): boolean {
    return this.options?.verbose === true || Boolean(this.ctx.env.DMSHARE_DEBUG);
  }
}

const DEFAULTS: GlobalOptions = { json: false, quiet: false, color: true, verbose: false };

/**
 * A confirmation answered no: nothing was changed, said on stderr, and exit 2, so a script or
 * `&&` does not go on as if it had been done. 2 as gh exits when a prompt is cancelled
 * ("gh help exit-codes"); in DESIGN.md's table 1 is a bug and 130 a Ctrl-C (SIGINT), neither of
 * which this is. `what`: "sent", "revoked".
 */
export function declined(output: Output, what: string): number {
  output.info(`Nothing was ${what}: you answered no.`);
  return EXIT_CODES.usage;
}

/** How a command adds itself to the program, with the run its handler reports to. */
export type CommandRegistrar = (program: Command, run: CliRun) => void;
