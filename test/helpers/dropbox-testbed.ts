import path from "node:path";
import { afterAll, beforeAll, beforeEach } from "vitest";
import {
  type DropboxEmulator,
  type DropboxEmulatorOptions,
  startDropboxEmulator,
} from "../emulators/dropbox.ts";
import { type CliResult, runCli, tempDir } from "./cli.ts";

export interface DropboxTestbed {
  readonly emulator: DropboxEmulator;
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

/**
 * One emulator per test file and a fresh folder per test; `token`, when given, is accepted
 * by the emulator and set as DMSHARE_DROPBOX_TOKEN.
 */
export function useDropboxTestbed(
  options: { token?: string; emulator?: DropboxEmulatorOptions } = {},
): DropboxTestbed {
  let emulator: DropboxEmulator | undefined;
  let dir = "";
  beforeAll(async () => {
    emulator = await startDropboxEmulator({
      ...options.emulator,
      staticTokens: options.token ? [options.token] : [],
    });
  });
  afterAll(() => emulator?.close());
  beforeEach(async () => {
    const work = await tempDir();
    dir = work.dir;
    return () => work.cleanup();
  });

  const bed: DropboxTestbed = {
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
      DMSHARE_DROPBOX_API_URL: bed.emulator.url,
      DMSHARE_DROPBOX_TOKEN: options.token,
      ...extra,
    }),
    dmshare: (args, run = {}) =>
      runCli(args, { cwd: dir, env: bed.env(run.env), stdin: run.stdin }),
  };
  return bed;
}
