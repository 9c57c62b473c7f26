import { describe, expect, it } from "vitest";
import type { RequestRecord } from "../emulators/http.ts";
import { collect, spawnCli, waitFor, writeFiles } from "../helpers/cli.ts";
import { type DropboxTestbed, useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { type GoogleTestbed, useGoogleTestbed } from "../helpers/google-testbed.ts";
import { holdLedger, readLedger } from "../helpers/ledger.ts";
import { jpegBytes } from "../helpers/media.ts";

// dmshare is killed (SIGKILL: no clean-up runs) at each step of a send. Whatever the moment,
// the ledger must know every public link that exists: `list` shows the entry and `revoke`
// removes the link, so no public link is ever left that dmshare can't find again.

/** A request of one kind: its path (exact or a pattern) and, where it matters, its method. */
interface Step {
  route: string | RegExp;
  method?: string;
}

interface Scenario {
  via: string;
  bed: DropboxTestbed | GoogleTestbed;
  upload: Step;
  link: Step;
  /** The public links (or publicly shared items) the provider has right now. */
  publicLinks: () => string[];
}

const matches = (step: Step) => (request: RequestRecord) =>
  (typeof step.route === "string" ? request.path === step.route : step.route.test(request.path)) &&
  (step.method === undefined || request.method === step.method);

function dropboxScenario(): Scenario {
  const bed = useDropboxTestbed({ token: "crash-dropbox-token" });
  return {
    via: "dropbox",
    bed,
    upload: { route: "/2/files/upload" },
    link: { route: "/2/sharing/create_shared_link_with_settings" },
    publicLinks: () =>
      bed.emulator
        .sharedLinks()
        .filter((link) => link.status === "active")
        .map((link) => link.url),
  };
}

function driveScenario(): Scenario {
  const bed = useGoogleTestbed({ token: "crash-google-token" });
  return {
    via: "gdrive",
    bed,
    upload: { route: /^\/upload\/drive\/v3\/files$/, method: "POST" },
    link: { route: /^\/drive\/v3\/files\/[^/]+\/permissions$/, method: "POST" },
    publicLinks: () =>
      bed.emulator
        .driveFiles()
        .filter((file) =>
          bed.emulator.drivePermissions(file.id).some((permission) => permission.type === "anyone"),
        )
        .map((file) => file.id),
  };
}

/** Where in a send dmshare is killed, and how the test gets it to stop right there. */
const KILL_POINTS = [
  {
    name: "after the upload, before the link",
    hold: "upload",
    // The provider stored the file; its answer is held back, and dmshare dies waiting.
    expectTarget: false,
  },
  {
    name: "after the link was made, before dmshare heard back",
    hold: "link",
    expectTarget: true,
  },
  {
    name: "after dmshare heard back, before the ledger entry was completed",
    hold: "ledger",
    expectTarget: true,
  },
] as const;

describe.each([
  ["Dropbox", dropboxScenario],
  ["Google Drive", driveScenario],
])("SIGKILL during a send to %s", (_label, makeScenario) => {
  const scenario = makeScenario();
  const { bed } = scenario;
  const entries = async () => (await readLedger(bed.configDir)).entries;

  it.each(KILL_POINTS)(
    "killed $name: list shows it, revoke leaves no public link",
    async ({ hold, expectTarget }) => {
      await writeFiles(bed.dir, { "killed.jpg": jpegBytes() });
      const before = bed.emulator.requests.length;
      const linksBefore = scenario.publicLinks();
      const seen = (match: (request: RequestRecord) => boolean) =>
        bed.emulator.requests.slice(before).find(match);
      const held = hold === "upload" ? scenario.upload : scenario.link;
      // The provider does the work at once; only its answer is held back: until the end of the
      // test, or for the ledger kill point until the test holds the ledger's write lock.
      let release = () => {};
      let unhold = () => {};
      const until = new Promise<void>((resolve) => {
        release = resolve;
      });
      bed.emulator.inject({ ...held, kind: "hold", until });
      const child = spawnCli(["send", "killed.jpg", "--via", scenario.via, "--no-copy"], {
        cwd: bed.dir,
        env: bed.env(),
      });
      const finished = collect(child, 30_000);
      try {
        if (hold === "ledger") {
          // Hold the ledger's write lock once the link request is in: the send then gets its
          // answer but can't record it (its next step is that write). Killed once the
          // emulator has sent the answer.
          await waitFor(async () => seen(matches(scenario.link)));
          unhold = holdLedger(bed.configDir);
          release();
          await waitFor(async () =>
            seen((r) => matches(scenario.link)(r) && r.status !== undefined),
          );
        } else {
          await waitFor(async () => seen(matches(held)));
        }
        child.kill("SIGKILL");
        expect((await finished).code).toBeNull();
      } finally {
        release();
        unhold();
        bed.emulator.clearFaults();
      }

      const [entry] = await entries();
      expect(entry).toMatchObject({ status: "pending", url: null });
      expect(Boolean(entry?.target)).toBe(expectTarget);
      const listed = JSON.parse((await bed.dmshare(["list", "--all", "--json"])).stdout);
      expect(listed).toEqual([expect.objectContaining({ id: entry?.id, status: "pending" })]);

      // The link the killed send made (if it got that far) is public until revoked.
      expect(scenario.publicLinks()).toHaveLength(linksBefore.length + (expectTarget ? 1 : 0));
      const revoked = await bed.dmshare(["revoke", entry?.id ?? "", "--json"]);
      expect(revoked.code).toBe(0);
      expect(scenario.publicLinks()).toEqual(linksBefore);
      expect(await entries()).toEqual([
        expect.objectContaining({ id: entry?.id, status: "revoked" }),
      ]);
    },
  );
});
