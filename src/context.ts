import type { Readable, Writable } from "node:stream";
import { configDirFor } from "./store/paths.ts";
import { openInBrowser } from "./ui/browser.ts";

export type Env = Readonly<Record<string, string | undefined>>;

export interface InputStream extends Readable {
  isTTY?: boolean;
}

export interface OutputStream extends Writable {
  isTTY?: boolean;
  columns?: number;
}

/**
 * Everything a command may touch outside its own arguments. The binary builds it from the
 * real process; tests build one from in-memory streams, a fixed clock and a temp dir.
 */
export interface Ctx {
  stdin: InputStream;
  stdout: OutputStream;
  stderr: OutputStream;
  env: Env;
  cwd: string;
  now: () => Date;
  fetch: typeof globalThis.fetch;
  openUrl: (url: string) => Promise<void>;
  paths: { configDir: string };
  /** Aborted when the user presses Ctrl-C. */
  signal: AbortSignal;
}

interface ProcessLike {
  stdin: InputStream;
  stdout: OutputStream;
  stderr: OutputStream;
  env: Env;
  cwd(): string;
  platform: NodeJS.Platform;
}

export function realContext(proc: ProcessLike, signal: AbortSignal): Ctx {
  return {
    stdin: proc.stdin,
    stdout: proc.stdout,
    stderr: proc.stderr,
    env: proc.env,
    cwd: proc.cwd(),
    now: () => new Date(),
    fetch: globalThis.fetch,
    openUrl: (url) => openInBrowser(url, proc.platform),
    paths: { configDir: configDirFor(proc.env) },
    signal,
  };
}
