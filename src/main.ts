import path from "node:path";
import { CommanderError, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { commanderFailure } from "./cli/help/errors.ts";
import { buildProgram } from "./cli/program.ts";
import { CliRun, optionsSoFar } from "./cli/run.ts";
import {
  type Ctx,
  clockFrom,
  type Env,
  type InputStream,
  type LastWords,
  type OutputStream,
  type System,
} from "./context.ts";
import { EXIT_CODES, exitCodeOf } from "./lib/errors.ts";
import { httpFetch } from "./lib/http-fetch.ts";
import { closeLedgers } from "./store/ledger-connection.ts";
import { configDirFor } from "./store/paths.ts";
import { openInBrowser } from "./ui/browser.ts";
import { terminalWidth } from "./ui/terminal-width.ts";

/** Parses `argv`, runs the command and returns the exit code. Never exits the process. */
export async function run(argv: readonly string[], given: Ctx): Promise<number> {
  const cli = new CliRun(given);
  given.signal.addEventListener(
    "abort",
    () => cli.output.warn("Interrupted: stopping cleanly…", "Press Ctrl-C again to quit at once."),
    { once: true },
  );
  const program = buildProgram(cli);
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT_CODES.success;
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
    return cli.exitCode;
  } catch (error) {
    // A usage error stops the run before any action: its options are those parsed so far.
    if (!cli.started) cli.start(optionsSoFar(program));
    if (error instanceof CommanderError) {
      // Commander printed the help or the version; an error is said as dmshare's own.
      if (error.exitCode === 0) return EXIT_CODES.success;
      return usageFailed(cli, program, error);
    }
    cli.output.fatal(error, cli.verbose);
    return exitCodeOf(error);
  } finally {
    // SQLite folds its log back into the ledger file as its connection closes.
    closeLedgers();
  }
}

interface ProcessLike {
  stdin: InputStream;
  stdout: OutputStream;
  stderr: OutputStream;
  env: Env;
  cwd(): string;
  platform: NodeJS.Platform;
  pid: number;
  execPath: string;
  argv: readonly string[];
  kill(pid: number, signal?: string | number): boolean;
}

/** A usage error commander found: `✖ message`, a hint, the command's usage; exit 2. */
function usageFailed(cli: CliRun, program: CommandUnknownOpts, error: CommanderError): number {
  const failure = commanderFailure(program, error, terminalWidth(cli.ctx.stderr));
  cli.output.fatal(failure.error, false);
  if (failure.usage) cli.output.info(`\n${failure.usage}`);
  return EXIT_CODES.usage;
}

/** The platform, pid, liveness and self-interrupt of the real process, for the Ctx. */
export function realSystem(proc: ProcessLike): System {
  return {
    platform: proc.platform,
    pid: proc.pid,
    self: [proc.execPath, path.resolve(proc.argv[1] ?? "dmshare")],
    isAlive: (pid) => {
      try {
        proc.kill(pid, 0);
        return true;
      } catch (error) {
        return (error as NodeJS.ErrnoException).code === "EPERM";
      }
    },
    interrupt: () => {
      proc.kill(proc.pid, "SIGINT");
    },
  };
}

/** The context of the real process: built here, at the entry, so lower layers never reach for it. */
export function realContext(
  proc: ProcessLike,
  signal: AbortSignal,
  lastWords: LastWords = {},
): Ctx {
  return {
    stdin: proc.stdin,
    stdout: proc.stdout,
    stderr: proc.stderr,
    env: proc.env,
    cwd: proc.cwd(),
    now: clockFrom(proc.env.DMSHARE_NOW),
    fetch: httpFetch(),
    openUrl: (url) => openInBrowser(url, proc.platform, { env: proc.env }),
    system: realSystem(proc),
    paths: { configDir: configDirFor(proc.env, proc.platform) },
    signal,
    lastWords,
  };
}
