import {
  type GoogleEmulator,
  type GoogleEmulatorOptions,
  startGoogleEmulator,
} from "../emulators/google.ts";
import { type Runner, type Testbed, useTestbed } from "./testbed.ts";

export type GoogleTestbed = Testbed<GoogleEmulator>;

/**
 * `token`, when given, is accepted by the emulator (with Drive and Photos scopes) and set as
 * DMSHARE_GDRIVE_TOKEN and DMSHARE_GPHOTOS_TOKEN.
 */
export function useGoogleTestbed(
  options: { token?: string; emulator?: GoogleEmulatorOptions; runner?: Runner } = {},
): GoogleTestbed {
  return useTestbed(
    () =>
      startGoogleEmulator({
        ...options.emulator,
        staticTokens: options.token ? [options.token] : [],
      }),
    (emulator) => ({
      DMSHARE_GOOGLE_API_URL: emulator.url,
      DMSHARE_GDRIVE_TOKEN: options.token,
      DMSHARE_GPHOTOS_TOKEN: options.token,
    }),
    options.runner,
  );
}
