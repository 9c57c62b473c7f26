import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../bin/dmshare.js", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  stdin?: string | Buffer;
  cwd?: string;
  timeoutMs?: number;
  /** Leave stdin open so the test can type into it later. */
  openStdin?: boolean;
  /** Another build's bin/dmshare.js (see builtin-build.ts); default the repository's. */
  bin?: string;
}

/** A clean environment: only what a person's shell would pass, no display, no colour. */
export function baseEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: "C.UTF-8",
    TZ: "UTC",
  };
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Spawns the built binary the way a shell would. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const child = spawnCli(args, options);
  return collect(child, options.timeoutMs ?? 30_000);
}

export function spawnCli(args: string[], options: CliOptions = {}) {
  const child = spawn(process.execPath, [options.bin ?? BIN, ...args], {
    cwd: options.cwd,
    env: baseEnv(options.env),
    stdio: ["pipe", "pipe", "pipe"],
  });
  if (options.stdin !== undefined) child.stdin.end(options.stdin);
  else if (!options.openStdin) child.stdin.end();
  return child;
}

export function collect(child: ReturnType<typeof spawn>, timeoutMs: number): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `dmshare did not finish in ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    }, timeoutMs);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Spawns the built binary and presses Ctrl-C once `requests` (an emulator's log) holds, past
 * what it held at the start, a request that `seen` accepts; resolves with how the run ended.
 */
export async function interruptOnRequest(
  args: string[],
  options: CliOptions & { requests: readonly { method: string; path: string }[] },
  seen: (request: { method: string; path: string }) => boolean,
): Promise<CliResult> {
  const before = options.requests.length;
  const child = spawnCli(args, options);
  const done = collect(child, options.timeoutMs ?? 30_000);
  await waitFor(async () => (options.requests.slice(before).some(seen) ? true : undefined));
  child.kill("SIGINT");
  return done;
}

/** A temp folder for one test: config dir, photos, whatever it needs. */
export async function tempDir(
  prefix = "dmshare-test-",
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function writeFiles(
  dir: string,
  files: Record<string, Buffer | string>,
): Promise<string[]> {
  return Promise.all(
    Object.entries(files).map(async ([name, contents]) => {
      const file = path.join(dir, name);
      await writeFile(file, contents);
      return file;
    }),
  );
}

/** Polls `probe` until it gives a value (errors count as not yet). */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A loopback port nothing listens on now (tests run side by side: never a fixed one). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}
