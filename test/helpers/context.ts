import { PassThrough, Readable } from "node:stream";
import type { Ctx, OutputStream } from "../../src/context.ts";
import { realContext, realSystem } from "../../src/main.ts";

/** What a test may say about one of the output streams: a terminal or not, and how wide. */
export interface StreamOptions {
  isTTY?: boolean;
  columns?: number;
}

export interface TestContextOptions {
  /** Default: where the binary would put it for `env` (DMSHARE_CONFIG_DIR, else the OS's). */
  configDir?: string;
  env?: Record<string, string | undefined>;
  stdin?: string | Buffer;
  /** stdin is a terminal (a person can be asked), as `stdin.isTTY` on the real process. */
  stdinTTY?: boolean;
  stdout?: StreamOptions;
  stderr?: StreamOptions;
  /**
   * The clock: a fixed moment, or a function read at each call. "env" is the binary's own
   * clock (the real one, or DMSHARE_NOW's moved one). Default: 2026-11-22T12:00:00Z, fixed.
   */
  now?: Date | (() => Date) | "env";
  cwd?: string;
}

export interface TestContext {
  ctx: Ctx;
  stdout: () => string;
  stderr: () => string;
  /** URLs the command asked to open in a browser (none is opened). */
  opened: string[];
  /** Presses Ctrl-C once: aborts `ctx.signal`, as the binary does on the first SIGINT. */
  interrupt: () => void;
  /** What a second Ctrl-C would print now (set by commands that would leave work unfinished). */
  lastWords: { text?: string };
  /** Each wait before a retry, in ms: none is waited for real, each moves the clock on. */
  slept: number[];
}

function outputStream(options: StreamOptions = {}): { stream: OutputStream; text: () => string } {
  const chunks: Buffer[] = [];
  const stream: OutputStream = new PassThrough();
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  if (options.isTTY !== undefined) stream.isTTY = options.isTTY;
  if (options.columns !== undefined) stream.columns = options.columns;
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

/**
 * A context for running commands in-process (`run(argv, ctx)` from src/main.ts): in-memory
 * streams that can pretend to be a terminal of some width, an interrupt the test fires as
 * Ctrl-C, an injectable clock and environment, and a browser that only records URLs. The rest
 * is what the binary builds from the real process (realContext), so the two cannot drift.
 */
export function testContext(options: TestContextOptions = {}): TestContext {
  const out = outputStream(options.stdout);
  const err = outputStream(options.stderr);
  const stdin: Ctx["stdin"] = Readable.from(
    options.stdin === undefined ? [] : [Buffer.from(options.stdin)],
  );
  if (options.stdinTTY !== undefined) stdin.isTTY = options.stdinTTY;
  const env = options.env ?? {};
  const interrupt = new AbortController();
  const lastWords: { text?: string } = {};
  const cwd = options.cwd ?? process.cwd();
  const real = realContext(
    {
      stdin,
      stdout: out.stream,
      stderr: err.stream,
      env,
      cwd: () => cwd,
      platform: process.platform,
      pid: process.pid,
      execPath: process.execPath,
      argv: process.argv,
      kill: process.kill.bind(process),
    },
    interrupt.signal,
    lastWords,
  );
  const opened: string[] = [];
  const given = options.now ?? new Date("2026-11-22T12:00:00Z");
  const clock = given === "env" ? real.now : typeof given === "function" ? given : () => given;
  const slept: number[] = [];
  let sleptMs = 0;
  const ctx: Ctx = {
    ...real,
    now: () => new Date(clock().getTime() + sleptMs),
    sleep: async (ms, signal) => {
      if (signal?.aborted) return false;
      slept.push(ms);
      sleptMs += ms;
      return true;
    },
    openUrl: async (url) => {
      opened.push(url);
    },
    paths: { configDir: options.configDir ?? real.paths.configDir },
    // The real platform and pid; Ctrl-C at a prompt aborts this context, not the test runner.
    system: { ...realSystem(process), interrupt: () => interrupt.abort() },
  };
  return {
    ctx,
    stdout: out.text,
    stderr: err.text,
    opened,
    interrupt: () => interrupt.abort(),
    lastWords,
    slept,
  };
}
