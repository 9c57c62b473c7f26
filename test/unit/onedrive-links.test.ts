import { describe, expect, it } from "vitest";
import { listedAmong } from "../../src/core/link-match.ts";
import { trustedLinks } from "../../src/core/reconcile.ts";
import { linkProblem, parseLinkRef } from "../../src/providers/link-identity.ts";
import { liveLinks } from "../../src/providers/onedrive/links.ts";

const LINK = "https://1drv.ms/u/c/8d141be50ac966bc/1WbHUCyzwTL4-Em_";

describe("OneDrive link URLs", () => {
  it("are identified by their path after the kind letter, however they are pasted", () => {
    for (const spelling of [
      LINK,
      `${LINK}.`,
      `<${LINK}>`,
      "1drv.ms/u/c/8d141be50ac966bc/1WbHUCyzwTL4-Em_",
    ]) {
      expect(parseLinkRef(spelling)).toEqual({
        provider: "onedrive",
        key: "c/8d141be50ac966bc/1WbHUCyzwTL4-Em_",
        truncated: false,
      });
    }
    expect(parseLinkRef("https://1drv.ms/f/s!AbCdEfGhIj")).toMatchObject({ key: "s!AbCdEfGhIj" });
    expect(parseLinkRef("https://1drv.ms/")).toBeNull();
  });

  it("are trusted only as https on 1drv.ms", () => {
    expect(linkProblem("onedrive", LINK)).toBeNull();
    expect(linkProblem("onedrive", LINK.replace("https:", "http:"))).toMatch(/https/);
    expect(linkProblem("onedrive", "https://onedrive.evil.example/u/c/x/y")).toMatch(/1drv\.ms/);
    expect(linkProblem("onedrive", "https://1drv.ms:8443/u/c/x/y")).toMatch(/unusual/);
  });
});

describe("OneDrive links listed for sync", () => {
  const entry = {
    provider: "onedrive" as const,
    url: LINK,
    target: { remoteId: "ITEM1", remotePath: "dmshare/x/beach.jpg" },
  };
  const anonymous = (webUrl: unknown) => ({
    id: "perm1",
    roles: ["read"],
    link: { type: "view", scope: "anonymous", webUrl },
  });

  it("keep an anonymous link whose URL dmshare can't trust, so sync can't call the entry's link gone", () => {
    for (const webUrl of [
      "https://onedrive.live.com/redir?resid=X",
      undefined,
      "http://1drv.ms/u/c/a/b",
    ]) {
      const links = liveLinks([anonymous(webUrl)]);
      expect(links).toHaveLength(1);
      expect(listedAmong(entry, links)).toBe("unknown");
      expect(trustedLinks("onedrive", links)).toEqual([]);
    }
  });

  it("say no only when every anonymous link is one dmshare understands and none is the entry's", () => {
    const other = liveLinks([anonymous("https://1drv.ms/u/c/8d141be50ac966bc/1XyZaBcDeFgHiJ_k")]);
    expect(listedAmong(entry, other)).toBe("no");
    expect(listedAmong(entry, liveLinks([anonymous(LINK)]))).toBe("yes");
    expect(liveLinks([{ ...anonymous(LINK), inheritedFrom: { id: "parent" } }])).toEqual([]);
  });
});
