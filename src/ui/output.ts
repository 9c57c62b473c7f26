import { Chalk, type ChalkInstance } from "chalk";
import type { Ctx, Env, OutputStream } from "../context.ts";
import { DmshareError, EXIT_CODES } from "../lib/errors.ts";
import { withoutControls } from "../lib/text.ts";
import { redactKnownSecrets, redactSecrets } from "./redact.ts";

export interface OutputOptions {
  json?: boolean;
  quiet?: boolean;
  /** false when --no-color was given. */
  color?: boolean;
}

/** Waits at least this long are shown even off a terminal and with --quiet or --json. */
const LONG_WAIT_SECONDS = 10;

/**
 * The one rule for colour (every style, prompt theme, QR code and spinner follows it): never
 * with --no-color or NO_COLOR (no-color.org); else FORCE_COLOR decides when set (0: off), else
 * CLICOLOR_FORCE other than 0 forces it and CLICOLOR=0 turns it off (bixense.com/clicolors);
 * else only on a terminal that is not TERM=dumb.
 */
export function colorEnabled(stream: OutputStream, env: Env, flag = true): boolean {
  if (!flag || env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== "0";
  if (env.CLICOLOR_FORCE && env.CLICOLOR_FORCE !== "0") return true;
  if (env.CLICOLOR === "0") return false;
  return Boolean(stream.isTTY) && env.TERM !== "dumb";
}

/**
 * The only way commands print. Results go to stdout; progress, hints and warnings to
 * stderr. `--json` and `--quiet` silence everything on stderr but warnings and errors.
 */
export class Output {
  readonly ctx: Ctx;
  readonly json: boolean;
  readonly quiet: boolean;
  /** Styles for stdout and stderr, each plain unless its stream wants colour. */
  readonly out: ChalkInstance;
  readonly err: ChalkInstance;
  readonly interactive: boolean;
  /** Whether the run's JSON document was printed (an error after it prints no second one). */
  private documented = false;

  constructor(ctx: Ctx, options: OutputOptions = {}) {
    this.ctx = ctx;
    this.json = options.json ?? false;
    this.quiet = options.quiet ?? false;
    this.out = new Chalk({ level: colorEnabled(ctx.stdout, ctx.env, options.color) ? 1 : 0 });
    this.err = new Chalk({ level: colorEnabled(ctx.stderr, ctx.env, options.color) ? 1 : 0 });
    // Spinners only where colours are: a terminal, without NO_COLOR, --no-color or TERM=dumb.
    this.interactive = Boolean(ctx.stderr.isTTY) && this.err.level > 0 && !this.json && !this.quiet;
  }

  /** A line of the command's result on stdout. */
  result(text: string): void {
    this.ctx.stdout.write(`${redactKnownSecrets(text, this.ctx.env)}\n`);
  }

  /** The one JSON document of a `--json` run. */
  document(value: unknown): void {
    this.documented = true;
    this.ctx.stdout.write(`${redactKnownSecrets(JSON.stringify(value, null, 2), this.ctx.env)}\n`);
  }

  success(text: string): void {
    this.status(`${this.err.green("✔")} ${text}`);
  }

  info(text: string): void {
    this.status(text);
  }

  /** Part of a question to the person at the terminal: shown even with --json or --quiet. */
  prompt(text: string): void {
    this.toStderr(text);
  }

  /** Something the person asked to see (a QR code): stderr, even with --json or --quiet. */
  picture(text: string): void {
    this.toStderr(text);
  }

  /** A provider call waits before trying again: said on a terminal, so a pause has a reason. */
  retrying(reason: string, delayMs: number): void {
    const seconds = Math.max(1, Math.round(delayMs / 1000));
    // A long wait (a server's Retry-After) is said everywhere: a silent minute looks hung.
    if (seconds >= LONG_WAIT_SECONDS) {
      const until = new Date(Date.now() + delayMs).toTimeString().slice(0, 8);
      this.toStderr(
        this.err.yellow(`waiting ${seconds} s, until ${until}, as the server asked (${reason})`),
      );
      return;
    }
    if (!this.ctx.stderr.isTTY || this.quiet || this.json) return;
    this.toStderr(this.err.dim(`retrying in ${seconds} s (${reason})`));
  }

  warn(text: string, hint?: string): void {
    this.toStderr(`${this.err.yellow("!")} ${text}${hint ? `\n  ${this.err.dim(hint)}` : ""}`);
  }

  /** One failed item of a batch that goes on (the batch exits 5). */
  failure(what: string, error: unknown): void {
    this.printError(`${what} `, error);
  }

  /** The error that ends the command; with `verbose`, its stack too. */
  error(error: unknown, verbose: boolean): void {
    this.printError("", error);
    if (verbose && error instanceof Error && error.stack) this.toStderr(this.err.dim(error.stack));
  }

  /**
   * The error that ends the run: on stderr, and with --json also as `{"error": {message, hint,
   * exitCode}}` on stdout, as a batch reports its failed items.
   */
  fatal(error: unknown, verbose: boolean): void {
    this.error(error, verbose);
    this.errorDocument(error);
  }

  /** With --json, the error as the run's JSON document (unless one was printed already). */
  errorDocument(error: unknown): void {
    if (this.json && !this.documented) this.document({ error: errorSummary(error, this.ctx.env) });
  }

  private printError(prefix: string, error: unknown): void {
    const { message, hint } = errorSummary(error, this.ctx.env);
    const details = hint ? this.err.dim(`\n${indent(hint)}`) : "";
    this.toStderr(`${this.err.red("✖")} ${prefix}${message}${details}`);
  }

  private status(text: string): void {
    if (!this.json && !this.quiet) this.toStderr(text);
  }

  private toStderr(text: string): void {
    this.ctx.stderr.write(`${redactSecrets(text, this.ctx.env)}\n`);
  }
}

/** An error as printed and as a failed item's JSON: message, next step, exit code (redacted). */
export function errorSummary(error: unknown, env: Env) {
  if (error instanceof DmshareError) {
    // Messages quote servers (names, error texts): no control character of theirs is printed.
    return {
      message: withoutControls(redactSecrets(error.message, env), true),
      hint: error.hint ? withoutControls(redactSecrets(error.hint, env), true) : null,
      exitCode: error.exitCode,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    message: `Unexpected error: ${withoutControls(redactSecrets(message, env), true)}`,
    hint: "This is a bug in dmshare. Run again with --verbose and report what it prints.",
    exitCode: EXIT_CODES.unexpected,
  };
}

const indent = (text: string) =>
  text
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
