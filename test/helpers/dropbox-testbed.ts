import { expect } from "vitest";
import {
  type DropboxEmulator,
  type DropboxEmulatorOptions,
  startDropboxEmulator,
} from "../emulators/dropbox.ts";
import { writeFiles } from "./cli.ts";
import { type Runner, type Testbed, useTestbed } from "./testbed.ts";

export type DropboxTestbed = Testbed<DropboxEmulator>;

/** `token`, when given, is accepted by the emulator and set as DMSHARE_DROPBOX_TOKEN. */
export function useDropboxTestbed(
  options: { token?: string; emulator?: DropboxEmulatorOptions; runner?: Runner } = {},
): DropboxTestbed {
  return useTestbed(
    () =>
      startDropboxEmulator({
        ...options.emulator,
        staticTokens: options.token ? [options.token] : [],
      }),
    (emulator) => ({
      DMSHARE_DROPBOX_API_URL: emulator.url,
      DMSHARE_DROPBOX_TOKEN: options.token,
    }),
    options.runner,
  );
}

/** Sends each photo in `photos` (a name and its bytes) to Dropbox on its own; their links. */
export async function sentLinks(
  bed: DropboxTestbed,
  photos: Record<string, Buffer>,
): Promise<string[]> {
  await writeFiles(bed.dir, photos);
  const urls: string[] = [];
  for (const name of Object.keys(photos)) {
    const sent = await bed.dmshare(["send", name, "--via", "dropbox", "--no-copy", "--quiet"]);
    expect(sent.code, sent.stderr).toBe(0);
    urls.push(sent.stdout.trim());
  }
  return urls;
}
