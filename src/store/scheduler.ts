import { execFile } from "node:child_process";
import { mkdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Env, System } from "../context.ts";
import { writeFileAtomic } from "./files.ts";

/** The result of a command; `code` 127 when it does not exist here. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * What installing a user timer touches on this machine: commands (systemctl, crontab,
 * launchctl, schtasks) and files in the user's home. Tests give their own.
 */
export interface SchedulerSystem {
  platform: NodeJS.Platform;
  home: string;
  env: Env;
  /** The command line that runs this very dmshare: node and its script. */
  self: string[];
  run(command: string, args: string[], input?: string): Promise<CommandResult>;
  readFile(file: string): Promise<string | null>;
  writeFile(file: string, text: string): Promise<void>;
  removeFile(file: string): Promise<void>;
}

const COMMAND_TIMEOUT_MS = 15_000;

/** The machine dmshare runs on (this process's node and script, the user's home). */
export function realScheduler(ctx: { env: Env; system: System }): SchedulerSystem {
  const { env } = ctx;
  return {
    platform: ctx.system.platform,
    home: env.HOME || env.USERPROFILE || os.homedir(),
    env,
    self: [...ctx.system.self],
    run: (command, args, input) =>
      new Promise((resolve) => {
        const child = execFile(
          command,
          args,
          { env: { ...env }, timeout: COMMAND_TIMEOUT_MS, encoding: "utf8", windowsHide: true },
          (error, stdout, stderr) => {
            const code =
              error === null
                ? 0
                : (error as NodeJS.ErrnoException).code === "ENOENT"
                  ? 127
                  : typeof error.code === "number"
                    ? error.code
                    : 1;
            resolve({ code, stdout: String(stdout), stderr: String(stderr) });
          },
        );
        // A command that exits without reading its input is not an error of ours.
        child.stdin?.on("error", () => undefined);
        child.stdin?.end(input ?? "");
      }),
    readFile: async (file) => {
      try {
        return await readFile(file, "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw error;
      }
    },
    writeFile: async (file, text) => {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFileAtomic(file, text);
    },
    removeFile: (file) => rm(file, { force: true }),
  };
}
