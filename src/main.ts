import path from "node:path";
import { CommanderError } from "commander";
import { buildProgram, type Outcome } from "./cli/program.ts";
import {
  type Ctx,
  clockFrom,
  type Env,
  type InputStream,
  type OutputStream,
  type System,
} from "./context.ts";
import { EXIT_CODES, exitCodeOf } from "./errors.ts";
import { configDirFor } from "./store/paths.ts";
import { openInBrowser } from "./ui/browser.ts";
import { Output } from "./ui/output.ts";

/** Parses `argv`, runs the command and returns the exit code. Never exits the process. */
export async function run(argv: readonly string[], given: Ctx): Promise<number> {
  const notices = new Output(given, {
    color: !argv.includes("--no-color"),
    quiet: argv.includes("--quiet") || argv.includes("-q"),
  });
  const ctx: Ctx = {
    ...given,
    onRetry: (reason, delayMs) => notices.retrying(reason, delayMs),
    onNotice: (text, hint) => notices.warn(text, hint),
  };
  const outcome: Outcome = { exitCode: EXIT_CODES.success };
  ctx.signal.addEventListener(
    "abort",
    () =>
      new Output(ctx).warn("Interrupted: stopping cleanly…", "Press Ctrl-C again to quit at once."),
    { once: true },
  );
  const program = buildProgram(ctx, outcome);
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT_CODES.success;
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
    return outcome.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed help, the version or what was wrong with the arguments.
      return error.exitCode === 0 ? EXIT_CODES.success : EXIT_CODES.usage;
    }
    const output = new Output(ctx, { color: !argv.includes("--no-color") });
    output.error(error, argv.includes("--verbose") || Boolean(ctx.env.DMSHARE_DEBUG));
    return exitCodeOf(error);
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
  lastWords: { text?: string } = {},
): Ctx {
  return {
    stdin: proc.stdin,
    stdout: proc.stdout,
    stderr: proc.stderr,
    env: proc.env,
    cwd: proc.cwd(),
    now: clockFrom(proc.env.DMSHARE_NOW),
    fetch: globalThis.fetch,
    openUrl: (url) => openInBrowser(url, proc.platform),
    system: realSystem(proc),
    paths: { configDir: configDirFor(proc.env) },
    signal,
    lastWords,
  };
}
