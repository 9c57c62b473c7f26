import {
  type MicrosoftEmulator,
  type MicrosoftEmulatorOptions,
  startMicrosoftEmulator,
} from "../emulators/microsoft.ts";
import { type Runner, type Testbed, useTestbed } from "./testbed.ts";

export type MicrosoftTestbed = Testbed<MicrosoftEmulator>;

/** `token`, when given, is accepted by the emulator and set as DMSHARE_ONEDRIVE_TOKEN. */
export function useMicrosoftTestbed(
  options: { token?: string; emulator?: MicrosoftEmulatorOptions; runner?: Runner } = {},
): MicrosoftTestbed {
  return useTestbed(
    () =>
      startMicrosoftEmulator({
        ...options.emulator,
        staticTokens: options.token ? [options.token] : [],
      }),
    (emulator) => ({
      DMSHARE_ONEDRIVE_API_URL: emulator.url,
      DMSHARE_ONEDRIVE_TOKEN: options.token,
    }),
    options.runner,
  );
}
