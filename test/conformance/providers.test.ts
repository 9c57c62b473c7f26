// Every provider, with its emulator, through the one contract in contract.ts. A new provider
// adds its fixture in fixtures/ and to this list.

import { describe } from "vitest";
import { providerContract } from "./contract.ts";
import { dropbox } from "./fixtures/dropbox.ts";
import { googleDrive } from "./fixtures/gdrive.ts";
import { googlePhotos } from "./fixtures/gphotos.ts";
import { onedrive } from "./fixtures/onedrive.ts";

for (const fixture of [dropbox, googleDrive, googlePhotos, onedrive]) {
  describe(`provider contract: ${fixture.name}`, () => providerContract(fixture));
}
