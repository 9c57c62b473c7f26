import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type DropboxEmulator, startDropboxEmulator } from "../emulators/dropbox.ts";
import { tempDir, writeFiles } from "../helpers/cli.ts";
import {
  type HostileServer,
  type ProxyReply,
  rewriteJson,
  startHostileProxy,
} from "../helpers/hostile-proxy.ts";
import { runInProcess } from "../helpers/in-process.ts";
import { rewriteLedger } from "../helpers/ledger.ts";
import { jpegBytes } from "../helpers/media.ts";

// Links are identified by what Dropbox identifies them by (the link's id and rlkey), never by
// the URL's text: any spelling of a link revokes it, and a link listed under another spelling
// is the same link. What the link request answers is checked before it is trusted.

const TOKEN = "identity-token";
let emulator: DropboxEmulator;
let proxy: HostileServer;
let dir = "";
let cleanup: () => Promise<void>;

beforeAll(async () => {
  emulator = await startDropboxEmulator({ staticTokens: [TOKEN] });
  proxy = await startHostileProxy(emulator.url);
});
afterAll(async () => {
  await proxy.close();
  await emulator.close();
});
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  proxy.clear();
  return () => cleanup();
});

const dmshare = (args: string[]) =>
  runInProcess(args, {
    cwd: dir,
    env: {
      DMSHARE_CONFIG_DIR: path.join(dir, "config"),
      DMSHARE_DROPBOX_API_URL: proxy.url,
      DMSHARE_DROPBOX_TOKEN: TOKEN,
    },
  });

interface Sent {
  id: string;
  url: string;
  status: string;
  files: { remotePath: string }[];
}

async function send(name: string, bytes = jpegBytes()): Promise<Sent> {
  await writeFiles(dir, { [name]: bytes });
  const result = await dmshare(["send", name, "--via", "dropbox", "--no-copy", "--json"]);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
}

async function ledger(): Promise<Sent[]> {
  const { stdout } = await dmshare(["list", "--all", "--json"]);
  return JSON.parse(stdout);
}

/** The listing Dropbox gives, with every link spelled `…&dl=0&e=1` as the website does. */
const otherSpelling = rewriteJson((body) => ({
  ...body,
  links: (body.links as { url: string }[]).map((link) => ({ ...link, url: `${link.url}&e=1` })),
}));

describe("revoke takes a link in any spelling", () => {
  it("dl=1, st= and e=1 added, a trailing full stop, angle brackets: each names the link", async () => {
    const sent = await send("beach.jpg");
    const { origin, pathname, searchParams } = new URL(sent.url);
    const rlkey = searchParams.get("rlkey");
    const spellings = [
      sent.url.replace("dl=0", "dl=1"),
      `${origin}${pathname}?rlkey=${rlkey}&st=k2j4h5&dl=0&e=1`,
      `${sent.url}.`,
      `<${sent.url}>`,
      `${sent.url})`,
      `${origin}${pathname}?rlkey=${rlkey}&raw=1`,
    ];
    for (const spelling of spellings) {
      const { code, stdout, stderr } = await dmshare(["revoke", spelling, "--dry-run", "--json"]);
      expect({ spelling, code, stderr }).toEqual({ spelling, code: 0, stderr: "" });
      expect(JSON.parse(stdout)).toEqual([expect.objectContaining({ id: sent.id })]);
    }
    const { code } = await dmshare(["revoke", spellings[1] as string]);
    expect(code).toBe(0);
    expect(emulator.resolveSharedLink(sent.url)).toBeNull();
  });

  it("a URL an unquoted shell cut before its rlkey still names the one link it can, and says to quote it", async () => {
    const sent = await send("cut.jpg");
    const cut = sent.url.slice(0, sent.url.indexOf("?"));
    const { code, stderr } = await dmshare(["revoke", cut]);
    expect(code).toBe(0);
    expect(stderr).toMatch(/quote/i);
    expect(emulator.resolveSharedLink(sent.url)).toBeNull();
  });

  it("an entry written before identities were recorded (no `link`) is still named by any spelling", async () => {
    const sent = await send("old.jpg");
    await rewriteLedger(path.join(dir, "config"), (entries) => {
      for (const entry of entries) delete entry.link;
    });
    const { code, stderr } = await dmshare(["revoke", `${sent.url.replace("dl=0", "dl=1")}&e=1.`]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(emulator.resolveSharedLink(sent.url)).toBeNull();
  });

  it("revoke --help quotes its URL example", async () => {
    const { stdout } = await dmshare(["revoke", "--help"]);
    expect(stdout).toMatch(/revoke 'https:\/\/www\.dropbox\.com\/scl\/fi\/[^']*&dl=0'/);
  });
});

describe("a link listed under another spelling is the same link", () => {
  it("sync leaves it active (the provider lists it as …&dl=0&e=1)", async () => {
    const sent = await send("listed.jpg");
    proxy.tamper({ route: "/2/sharing/list_shared_links", rewrite: otherSpelling });
    const { code } = await dmshare(["sync"]);
    expect(code).toBe(0);
    const [entry] = await ledger();
    expect(entry).toMatchObject({ id: sent.id, status: "active" });
    expect(emulator.resolveSharedLink(sent.url)).not.toBeNull();
  });

  it("sending the same photo again reuses the link instead of marking it revoked", async () => {
    const bytes = jpegBytes();
    const first = await send("again.jpg", bytes);
    proxy.tamper({ route: "/2/sharing/list_shared_links", rewrite: otherSpelling });
    const second = await send("again.jpg", bytes);
    expect(second.id).toBe(first.id);
    expect((await ledger()).map((entry) => entry.status)).toEqual(["active"]);
  });
});

describe("the answer to a link request is checked before it is trusted", () => {
  const html = (upstream: ProxyReply): ProxyReply => ({
    status: 200,
    headers: { "content-type": "text/html" },
    body: Buffer.from(`<html><body>Sign in to the hotel Wi-Fi</body></html>${upstream.status}`),
  });
  const cases: [string, (upstream: ProxyReply) => ProxyReply][] = [
    ["200 with an HTML page", html],
    ["JSON without a url", rewriteJson(({ url: _url, ...rest }) => rest)],
    ["javascript:alert(1)", rewriteJson((body) => ({ ...body, url: "javascript:alert(1)" }))],
    [
      "a link with a newline and ESC bytes",
      rewriteJson((body) => ({ ...body, url: `${body.url}\n\u001b]0;pwned\u0007` })),
    ],
    [
      "a link on another host",
      rewriteJson((body) => ({
        ...body,
        url: String(body.url).replace("www.dropbox.com", "dropbox.com.evil.example"),
      })),
    ],
    [
      "an http link",
      rewriteJson((body) => ({ ...body, url: String(body.url).replace("https:", "http:") })),
    ],
  ];
  for (const [what, rewrite] of cases) {
    it(`${what}: exit 4, nothing printed as a link, the link made is revoked and the upload removed`, async () => {
      await writeFiles(dir, { "trap.jpg": jpegBytes() });
      const linksBefore = emulator.sharedLinks().length;
      proxy.tamper({ route: "/2/sharing/create_shared_link_with_settings", rewrite, times: 1 });
      const { code, stdout, stderr } = await dmshare([
        "send",
        "trap.jpg",
        "--via",
        "dropbox",
        "--no-copy",
      ]);
      expect(code).toBe(4);
      expect(stdout).toBe("");
      expect(stderr).toContain("does not trust it");
      expect(stderr).not.toMatch(/javascript:|rlkey/);
      expect(stderr).not.toContain(String.fromCharCode(27));
      const made = emulator.sharedLinks().slice(linksBefore);
      expect(made.length).toBe(1);
      expect(made.every((link) => link.status !== "active")).toBe(true);
      expect(emulator.listFiles().filter((file) => file.pathDisplay.endsWith("trap.jpg"))).toEqual(
        [],
      );
      expect(await ledger()).toEqual([]);
    });
  }
});

describe("sync trusts only links on the provider's own hosts", () => {
  it("a pending entry whose item lists only untrusted links is left pending, not cleaned away", async () => {
    const sent = await send("pending.jpg");
    // As if its send had stopped before recording the link, two hours ago.
    await rewriteLedger(path.join(dir, "config"), (entries) => {
      for (const entry of entries) {
        if (entry.id !== sent.id) continue;
        Object.assign(entry, { status: "pending", url: null, message: null, link: undefined });
        entry.createdAt = new Date(Date.now() - 2 * 3_600_000).toISOString();
      }
    });
    proxy.tamper({
      route: "/2/sharing/list_shared_links",
      rewrite: rewriteJson((body) => ({
        ...body,
        links: (body.links as { url: string }[]).map((link) => ({
          ...link,
          url: link.url.replace("https:", "http:"),
        })),
      })),
    });
    const { code, stdout } = await dmshare(["sync"]);
    expect(code).toBe(0);
    expect(stdout).not.toContain("cleaned");
    const entry = (await ledger()).find((listed) => listed.id === sent.id);
    expect(entry?.status).toBe("pending");
    expect(emulator.readFile(sent.files[0]?.remotePath ?? "")).not.toBeNull();
  });

  it("listed javascript:, http: or ESC-laden links in dmshare's folder are not adopted", async () => {
    await send("real.jpg");
    proxy.tamper({
      route: "/2/sharing/list_shared_links",
      rewrite: rewriteJson((body) => ({
        ...body,
        links: [
          ...(body.links as object[]),
          ...[
            "javascript:alert(1)",
            "http://www.dropbox.com/scl/fi/hostile00001/x.jpg?rlkey=k1&dl=0",
            "https://www.dropbox.com/scl/fi/hostile00002/y.jpg?rlkey=k2&dl=0\u001b[2J",
          ].map((url, index) => ({
            ".tag": "file",
            url,
            id: `id:hostile00000000000${index}`,
            name: `x${index}.jpg`,
            path_lower: `/dmshare/x${index}.jpg`,
          })),
        ],
      })),
    });
    const { code } = await dmshare(["sync"]);
    expect(code).toBe(0);
    // Links of earlier tests (same emulator account) are adopted too: they are real ones.
    const urls = (await ledger()).map((entry) => entry.url);
    expect(urls.length).toBeGreaterThan(0);
    expect(urls.join()).not.toMatch(/javascript:|http:|hostile/);
  });
});
