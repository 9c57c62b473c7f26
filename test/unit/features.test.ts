// Capabilities told from what a provider implements, and the guards the core reaches the
// optional interfaces through (src/providers/features.ts).

import { describe, expect, it } from "vitest";
import {
  deleterOf,
  fillCapabilities,
  listerOf,
  revokerOf,
  sharerOf,
} from "../../src/providers/features.ts";
import type { ProviderParts } from "../../src/providers/provider.ts";

const ALL_OPTIONS = { albums: true, expiry: true, noDownload: true, password: true };

const core: ProviderParts = {
  name: "gphotos",
  whoami: async () => ({ id: "1", name: "me", email: null }),
  createAlbum: async (name) => ({ remotePath: name, remoteId: name }),
  upload: async () => [],
};

const linking: ProviderParts = {
  ...core,
  name: "dropbox",
  share: async () => ({ url: "https://example.test/s/1", expiresAt: null, reused: false }),
  revoke: async () => "revoked",
  deleteItems: async () => {},
  linkState: async () => ({ item: "present", links: [] }),
  listLinks: async () => [],
};

describe("fillCapabilities", () => {
  it("a provider with every interface has every capability its link options allow", () => {
    expect(fillCapabilities(linking, ALL_OPTIONS).capabilities).toEqual({
      publicLinks: true,
      revoke: true,
      deleteFiles: true,
      ...ALL_OPTIONS,
    });
    expect(
      fillCapabilities(linking, { ...ALL_OPTIONS, expiry: false, password: false }).capabilities,
    ).toMatchObject({ expiry: false, password: false, noDownload: true });
  });

  it("a provider without links has no link options, whatever its catalog entry says", () => {
    expect(fillCapabilities(core, ALL_OPTIONS).capabilities).toEqual({
      publicLinks: false,
      albums: true,
      expiry: false,
      noDownload: false,
      password: false,
      revoke: false,
      deleteFiles: false,
    });
  });
});

describe("guards", () => {
  const bare = fillCapabilities(core, ALL_OPTIONS);
  const full = fillCapabilities(linking, ALL_OPTIONS);
  const link = { url: null, target: { remotePath: "x", remoteId: "x", ownerUrl: "https://o" } };

  it("give the interface when the provider has it", async () => {
    expect(
      await sharerOf(full).share(link.target, { expiresAt: null, noDownload: false }),
    ).toMatchObject({
      url: "https://example.test/s/1",
    });
    expect(await revokerOf(full, link).revoke(link)).toBe("revoked");
    expect(deleterOf(full).deleteItems).toBeTypeOf("function");
    expect(listerOf(full).listLinks).toBeTypeOf("function");
  });

  it("refuse with the provider's own words (exit 2), or a plain refusal without them", () => {
    const worded = fillCapabilities(
      {
        ...core,
        refusals: {
          share: { message: "No links here.", hint: "Use another provider." },
          revoke: (asked) => ({
            message: "Can't unshare.",
            hint: `Open ${asked.target?.ownerUrl}.`,
          }),
        },
      },
      ALL_OPTIONS,
    );
    expect(() => sharerOf(worded)).toThrow(
      expect.objectContaining({
        kind: "usage",
        message: "No links here.",
        hint: "Use another provider.",
      }),
    );
    expect(() => revokerOf(worded, link)).toThrow(
      expect.objectContaining({ kind: "usage", hint: "Open https://o." }),
    );
    expect(() => deleterOf(bare)).toThrow(expect.objectContaining({ kind: "usage" }));
    expect(() => listerOf(bare)).toThrow(expect.objectContaining({ kind: "usage" }));
  });
});
