import {
  type DropboxEmulator,
  type DropboxEmulatorOptions,
  startDropboxEmulator,
} from "../emulators/dropbox.ts";
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
