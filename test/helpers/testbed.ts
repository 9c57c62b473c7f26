import path from "node:path";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { type CliResult, runCli, tempDir } from "./cli.ts";
import { runInProcess } from "./in-process.ts";

export interface Testbed<Emulator> {
  readonly emulator: Emulator;
  /** A fresh folder per test: the photos, and `config/` as DMSHARE_CONFIG_DIR. */
  readonly dir: string;
  readonly configDir: string;
  /** The environment a user pointed at the emulator would have (with the token, if any). */
  env(extra?: Record<string, string | undefined>): Record<string, string | undefined>;
  dmshare(
    args: string[],
    options?: { env?: Record<string, string | undefined>; stdin?: string },
  ): Promise<CliResult>;
}

/** How `dmshare` runs: the built binary in a child process, or `run(argv, ctx)` in this one. */
export type Runner = "spawn" | "in-process";

/**
 * One emulator per test file and a fresh folder per test, for running dmshare: the built
 * binary (e2e), or in this process (integration tests of what commands print and record).
 */
export function useTestbed<Emulator extends { close(): Promise<void> }>(
  start: () => Promise<Emulator>,
  envFor: (emulator: Emulator) => Record<string, string | undefined>,
  runner: Runner = "spawn",
): Testbed<Emulator> {
  let emulator: Emulator | undefined;
  let dir = "";
  beforeAll(async () => {
    emulator = await start();
  });
  afterAll(() => emulator?.close());
  beforeEach(async () => {
    const work = await tempDir();
    dir = work.dir;
    return () => work.cleanup();
  });

  const bed: Testbed<Emulator> = {
    get emulator() {
      if (!emulator) throw new Error("the emulator starts in beforeAll");
      return emulator;
    },
    get dir() {
      return dir;
    },
    get configDir() {
      return path.join(dir, "config");
    },
    env: (extra = {}) => ({
      DMSHARE_CONFIG_DIR: bed.configDir,
      ...envFor(bed.emulator),
      ...extra,
    }),
    dmshare: (args, run = {}) =>
      (runner === "spawn" ? runCli : runInProcess)(args, {
        cwd: dir,
        env: bed.env(run.env),
        stdin: run.stdin,
      }),
  };
  return bed;
}
