import { afterEach, describe, expect, it } from "vitest";
import { writeFiles } from "../helpers/cli.ts";
import { jpegBytes } from "../helpers/media.ts";
import { useMicrosoftTestbed } from "../helpers/microsoft-testbed.ts";

// createLink answers that must not be trusted: each send fails with exit 4, prints no link,
// and leaves no live link on the item it uploaded (the one the server really made included).

const TOKEN = "integration-onedrive-hostile-links";
const bed = useMicrosoftTestbed({ token: TOKEN, runner: "in-process" });
afterEach(() => bed.emulator.clearFaults());

type Permission = Record<string, unknown> & { link: Record<string, unknown> };

const send = (name: string) =>
  bed.dmshare(["send", name, "--via", "onedrive", "--json", "--no-copy"]);
const itemNamed = (name: string) => bed.emulator.items().find((item) => item.name === name);
const liveLinksOf = (name: string) =>
  bed.emulator.permissions().filter((p) => p.itemId === itemNamed(name)?.id);

async function refused(name: string, change: (p: Permission) => Record<string, unknown>) {
  await writeFiles(bed.dir, { [name]: jpegBytes(2100) });
  bed.emulator.tamperNextLink((p) => change(p as Permission) as typeof p);
  const { code, stdout, stderr } = await send(name);
  expect(code, stderr).toBe(4);
  expect(JSON.parse(stdout).url).toBeUndefined();
  expect(liveLinksOf(name)).toEqual([]);
  return stderr;
}

describe("OneDrive createLink answers dmshare refuses", () => {
  const cases: [string, (p: Permission) => Record<string, unknown>][] = [
    ["roles write on a view link", (p) => ({ ...p, roles: ["write"] })],
    ["a link for users", (p) => ({ ...p, link: { ...p.link, scope: "users" } })],
    [
      "a webUrl over http",
      (p) => ({
        ...p,
        link: { ...p.link, webUrl: String(p.link.webUrl).replace("https:", "http:") },
      }),
    ],
    [
      "a webUrl on a foreign host",
      (p) => ({ ...p, link: { ...p.link, webUrl: "https://1drv.ms.evil.example/u/c/x/y" } }),
    ],
    [
      "a webUrl with credentials",
      (p) => ({
        ...p,
        link: { ...p.link, webUrl: String(p.link.webUrl).replace("https://", "https://a:b@") },
      }),
    ],
    ["no permission id", (p) => ({ ...p, id: undefined })],
  ];
  for (const [what, change] of cases) {
    it(`${what}: refused, no live link left`, async () => {
      const stderr = await refused(`${what.replaceAll(" ", "-")}.jpg`, change);
      expect(stderr).toMatch(/wrongly/);
    });
  }

  it("an answer that is another item's link: refused, and the link made on this item removed", async () => {
    await writeFiles(bed.dir, { "first.jpg": jpegBytes(2000) });
    const first = await send("first.jpg");
    expect(first.code, first.stderr).toBe(0);
    const firstUrl = JSON.parse(first.stdout).url as string;
    const [other] = liveLinksOf("first.jpg");
    const stderr = await refused("second.jpg", (p) => ({
      ...p,
      id: other?.id,
      link: { ...p.link, webUrl: firstUrl },
    }));
    expect(stderr).toMatch(/wrongly/);
    // The other item's link is not dmshare's to remove here.
    expect(liveLinksOf("first.jpg")).toHaveLength(1);
  });

  it("an error message that echoes the token: printed without it", async () => {
    await writeFiles(bed.dir, { "echo.jpg": jpegBytes(2000) });
    bed.emulator.inject({
      kind: "status",
      status: 400,
      code: "invalidRequest",
      message: `Bad request with Authorization: Bearer ${TOKEN} and token ${TOKEN}`,
      route: /\/createLink$/,
    });
    const { code, stdout, stderr } = await send("echo.jpg");
    expect(code).toBe(4);
    expect(stderr).toMatch(/Bad request/);
    expect(`${stdout}${stderr}`).not.toContain(TOKEN);
  });

  it("a Retry-After of 1e9 seconds: not waited for, exit 4 saying when to try again", async () => {
    await writeFiles(bed.dir, { "later.jpg": jpegBytes(2000) });
    bed.emulator.inject({
      kind: "status",
      status: 429,
      retryAfterSeconds: 1e9,
      route: /\/createLink$/,
    });
    const { code, stderr } = await send("later.jpg");
    expect(code, stderr).toBe(4);
    expect(stderr).toMatch(/at most 5 minutes/);
    expect(liveLinksOf("later.jpg")).toEqual([]);
  });

  it("a negative Retry-After: taken as no wait, and the send goes through", async () => {
    await writeFiles(bed.dir, { "soon.jpg": jpegBytes(2000) });
    bed.emulator.inject({
      kind: "status",
      status: 503,
      retryAfterSeconds: -30,
      route: /\/createLink$/,
    });
    const { code, stderr } = await send("soon.jpg");
    expect(code, stderr).toBe(0);
  });
});
