import { run } from "../../src/main.ts";
import { baseEnv, type CliOptions, type CliResult } from "./cli.ts";
import { type StreamOptions, type TestContext, testContext } from "./context.ts";

export interface InProcessOptions extends Omit<CliOptions, "openStdin" | "bin" | "timeoutMs"> {
  stdout?: StreamOptions;
  stderr?: StreamOptions;
  /** Called with the test context before the command starts (to interrupt it, say). */
  started?: (test: TestContext) => void;
}

/**
 * `dmshare args…` run in this process through `run(argv, ctx)`, with the environment the
 * spawned binary would get (baseEnv: no display, no session bus, no colour) and its clock
 * (DMSHARE_NOW or the real one). Same answer as runCli, without starting a Node process: for
 * tests of what a command prints and records, not of start-up, signals or the terminal.
 */
export async function runInProcess(
  args: string[],
  options: InProcessOptions = {},
): Promise<CliResult> {
  // The clipboard tool (clipboardy) reads this process's environment, not ctx.env: without a
  // display here, an in-process send can't reach the clipboard of whoever runs the tests,
  // as the spawned binary can't (baseEnv has no display either).
  delete process.env.DISPLAY;
  delete process.env.WAYLAND_DISPLAY;
  const test = testContext({
    env: baseEnv(options.env),
    stdin: options.stdin,
    cwd: options.cwd,
    now: "env",
    stdout: options.stdout,
    stderr: options.stderr,
  });
  options.started?.(test);
  const code = await run(args, test.ctx);
  return { code, stdout: test.stdout(), stderr: test.stderr() };
}
