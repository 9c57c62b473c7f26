import { PassThrough, Readable } from "node:stream";
import type { Ctx } from "../../src/context.ts";
import { realSystem } from "../../src/main.ts";

export interface TestContext {
  ctx: Ctx;
  stdout: () => string;
  stderr: () => string;
  opened: string[];
}

/** A context with in-memory streams and a fixed clock, for running commands in-process. */
export function testContext(options: {
  configDir: string;
  env?: Record<string, string | undefined>;
  stdin?: string;
  now?: Date;
  cwd?: string;
}): TestContext {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on("data", (chunk: Buffer) => out.push(chunk));
  stderr.on("data", (chunk: Buffer) => err.push(chunk));
  const opened: string[] = [];
  const interrupt = new AbortController();
  const ctx: Ctx = {
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    stdout,
    stderr,
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    now: () => options.now ?? new Date("2026-11-22T12:00:00Z"),
    fetch: globalThis.fetch,
    openUrl: async (url) => {
      opened.push(url);
    },
    // The real platform and pid; Ctrl-C at a prompt aborts this context, not the test runner.
    system: { ...realSystem(process), interrupt: () => interrupt.abort() },
    paths: { configDir: options.configDir },
    signal: interrupt.signal,
  };
  return {
    ctx,
    stdout: () => Buffer.concat(out).toString("utf8"),
    stderr: () => Buffer.concat(err).toString("utf8"),
    opened,
  };
}
