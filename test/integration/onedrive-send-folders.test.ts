import { afterEach, describe, expect, it } from "vitest";
import { writeFiles } from "../helpers/cli.ts";
import { jpegBytes } from "../helpers/media.ts";
import { useMicrosoftTestbed } from "../helpers/microsoft-testbed.ts";

// The send's own folder is what clean-up and `revoke --delete-files` delete whole. A server
// answering the request to make it with another folder (the app folder itself, another send's
// folder) must be refused: else deleting "the send's folder" deletes everything dmshare shared.

const TOKEN = "integration-onedrive-send-folders";
const bed = useMicrosoftTestbed({ token: TOKEN, runner: "in-process" });
afterEach(() => bed.emulator.clearFaults());

const send = (name: string) =>
  bed.dmshare(["send", name, "--via", "onedrive", "--json", "--no-copy"]);
const named = (name: string) => bed.emulator.items().filter((item) => item.name === name);

async function sendOk(name: string) {
  await writeFiles(bed.dir, { [name]: jpegBytes(2000) });
  const sent = await send(name);
  expect(sent.code, sent.stderr).toBe(0);
  return JSON.parse(sent.stdout) as { id: string; url: string };
}

describe("OneDrive per-send folders answered wrongly", () => {
  for (const [what, other, onlyId] of [
    ["the app folder itself", () => bed.emulator.appFolder(), false],
    ["another send's folder", (keptId: string) => named(keptId)[0], false],
    ["another send's folder (only its id)", (keptId: string) => named(keptId)[0], true],
  ] as const) {
    it(`a folder made that is ${what}: refused, and nothing of the earlier send is deleted`, async () => {
      const kept = await sendOk("kept.jpg");
      const folder = other(kept.id);
      bed.emulator.tamperNextFolders((body) =>
        onlyId ? { ...body, id: folder?.id } : { ...body, id: folder?.id, name: folder?.name },
      );
      await writeFiles(bed.dir, { "new.jpg": jpegBytes(2100) });
      const { code, stdout, stderr } = await send("new.jpg");
      if (code === 0) {
        // Had it been trusted: deleting this send's files must still not touch the other.
        const { id } = JSON.parse(stdout) as { id: string };
        await bed.dmshare(["revoke", id, "--delete-files", "--yes"]);
      } else {
        expect(code, stderr).toBe(4);
        expect(stderr).toMatch(/folder/);
      }
      expect(named(kept.id)).toHaveLength(1);
      expect(bed.emulator.resolveLink(kept.url)).not.toBeNull();
      expect(code).toBe(4);
    });
  }
});
