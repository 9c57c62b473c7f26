import { describe, expect, it } from "vitest";
import { linkProblem, parseLinkRef } from "../../src/providers/link-identity.ts";

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
