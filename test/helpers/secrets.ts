import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { expect } from "vitest";
import type { CliResult } from "./cli.ts";
import type { Testbed } from "./testbed.ts";

// What the secrets tests share (test/integration/secrets.test.ts for Dropbox in-process,
// test/e2e/secrets.test.ts for Google through the built binary): planted tokens, the
// commands' output and every file written outside the credential store, searched for them.

/** What the checks use of a testbed: its folder and how it runs dmshare (any provider's). */
type AnyTestbed = Pick<Testbed<unknown>, "dir" | "dmshare">;

export interface Secrets {
  /** Every token that must never be shown: planted ones and those refreshed on the way. */
  all(): Promise<string[]>;
}

/** Every file under `dir`, except the credential store itself. */
async function writtenFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const file = path.join(entry.parentPath, entry.name);
    if (entry.isFile() && entry.name !== "credentials.json") found.push(file);
  }
  return found;
}

export async function expectNoSecrets(
  bed: AnyTestbed,
  secrets: Secrets,
  runs: [string, CliResult][],
) {
  const tokens = await secrets.all();
  expect(tokens.length).toBeGreaterThanOrEqual(3);
  let checked = 0;
  for (const [command, result] of runs) {
    for (const token of tokens) {
      expect(result.stdout, `stdout of ${command}`).not.toContain(token);
      expect(result.stderr, `stderr of ${command}`).not.toContain(token);
      checked++;
    }
  }
  for (const file of await writtenFiles(bed.dir)) {
    if ((await stat(file)).size > 10_000_000) continue;
    const text = await readFile(file, "latin1");
    for (const token of tokens) expect(text, file).not.toContain(token);
    checked++;
  }
  expect(checked).toBeGreaterThan(runs.length);
}

/** Runs each command with --verbose and DMSHARE_DEBUG, keeping what it printed. */
export function recorder(bed: AnyTestbed, env: Record<string, string | undefined>) {
  const runs: [string, CliResult][] = [];
  const run = async (args: string[], extra: Record<string, string | undefined> = {}) => {
    const result = await bed.dmshare([...args, "--verbose"], {
      env: { DMSHARE_DEBUG: "1", ...env, ...extra },
    });
    runs.push([args.join(" "), result]);
    return result;
  };
  return { runs, run };
}
