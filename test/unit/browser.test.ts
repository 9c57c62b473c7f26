import { describe, expect, it } from "vitest";
import { LINK_HOSTS } from "../../src/providers/link-identity.ts";
import {
  OPENABLE_HOSTS,
  openInBrowser,
  powershellEncoded,
  type SpawnLike,
  urlToOpen,
} from "../../src/ui/browser.ts";

interface Spawned {
  command: string;
  args: string[];
  verbatim: boolean | undefined;
}

/** A spawn that records what would start; `missing` commands fail as if not installed. */
function fakeSpawn(missing: string[] = []): { spawn: SpawnLike; spawned: Spawned[] } {
  const spawned: Spawned[] = [];
  const spawn: SpawnLike = (command, args, options) => {
    spawned.push({ command, args, verbatim: options.windowsVerbatimArguments });
    const listeners: Record<string, (arg?: unknown) => void> = {};
    queueMicrotask(() => {
      if (missing.includes(command)) {
        listeners.error?.(Object.assign(new Error(`spawn ${command} ENOENT`), { code: "ENOENT" }));
      } else listeners.spawn?.();
    });
    return {
      once(event: string, listener: (arg?: unknown) => void) {
        listeners[event] = listener;
        return this;
      },
      unref() {},
    } as ReturnType<SpawnLike>;
  };
  return { spawn, spawned };
}

/** Links with everything cmd.exe or a shell would read as syntax, and a command to run. */
const NASTY = [
  "https://www.dropbox.com/scl/fi/abc/a.jpg?rlkey=x&dl=0",
  "https://www.dropbox.com/s/x/100%25 off^&calc.jpg?a=%41&b=^|whoami",
  'https://photos.google.com/share/x?key="quoted"&calc',
  "https://drive.google.com/file/d/id/view?usp=sharing&x='single'&y=a b",
  "https://www.dropbox.com/oauth2/authorize?client_id=k&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A5000%2F&code_challenge=abc&state=s%20t",
];

const linux = { env: {}, procVersion: async () => "Linux version 6.8.0 (gcc)" };

describe("openInBrowser", () => {
  it("on Windows hands the whole URL to rundll32, with no cmd.exe to split it at & or ^", async () => {
    for (const url of NASTY) {
      const { spawn, spawned } = fakeSpawn();
      await openInBrowser(url, "win32", { spawn, env: {}, procVersion: async () => null });
      const href = new URL(url).href;
      expect(spawned).toEqual([
        { command: "rundll32.exe", args: ["url.dll,FileProtocolHandler", href], verbatim: true },
      ]);
      // Passed verbatim: safe only because the checked URL has no space or quote in it.
      expect(href).not.toMatch(/[\s"]/);
    }
  });

  it("on Windows spawns exactly rundll32 url.dll,FileProtocolHandler and the URL", async () => {
    const { spawn, spawned } = fakeSpawn();
    await openInBrowser(NASTY[1] as string, "win32", {
      spawn,
      env: {},
      procVersion: async () => null,
    });
    // WHATWG URL escapes ^ in a path from Node 24 on; Node 22 keeps it (harmless: no cmd.exe).
    const href = new URL(NASTY[1] as string).href;
    expect([
      "https://www.dropbox.com/s/x/100%25%20off%5E&calc.jpg?a=%41&b=^|whoami",
      "https://www.dropbox.com/s/x/100%25%20off^&calc.jpg?a=%41&b=^|whoami",
    ]).toContain(href);
    expect(spawned).toEqual([
      { command: "rundll32.exe", args: ["url.dll,FileProtocolHandler", href], verbatim: true },
    ]);
  });

  it("keeps every & parameter of a login URL on Windows", async () => {
    const { spawn, spawned } = fakeSpawn();
    const url = NASTY[4] as string;
    await openInBrowser(url, "win32", { spawn, env: {}, procVersion: async () => null });
    expect(spawned[0]?.args.at(-1)).toBe(url);
  });

  it("uses open on macOS and xdg-open on Linux, the URL one argument", async () => {
    for (const [platform, command] of [
      ["darwin", "open"],
      ["linux", "xdg-open"],
      ["freebsd", "xdg-open"],
    ] as const) {
      for (const url of NASTY) {
        const { spawn, spawned } = fakeSpawn();
        await openInBrowser(url, platform, { spawn, ...linux });
        expect(spawned).toEqual([{ command, args: [new URL(url).href], verbatim: false }]);
      }
    }
  });

  it("on WSL uses wslview, else Windows' PowerShell with the URL in an encoded script", async () => {
    const url = 'https://www.dropbox.com/s/x/it\'s 100%25^&calc.jpg?dl=0&a="b"';
    const href = new URL(url).href;
    const wslByEnv = { env: { WSL_DISTRO_NAME: "Ubuntu" }, procVersion: async () => null };
    const first = fakeSpawn();
    await openInBrowser(url, "linux", { spawn: first.spawn, ...wslByEnv });
    expect(first.spawned).toEqual([{ command: "wslview", args: [href], verbatim: false }]);

    const wslByKernel = {
      env: {},
      procVersion: async () => "Linux version 5.15.153.1-microsoft-standard-WSL2",
    };
    const second = fakeSpawn(["wslview"]);
    await openInBrowser(url, "linux", { spawn: second.spawn, ...wslByKernel });
    const script = `Start-Process '${href.replace(/'/g, "''")}'`;
    expect([
      "Start-Process 'https://www.dropbox.com/s/x/it''s%20100%25%5E&calc.jpg?dl=0&a=%22b%22'",
      "Start-Process 'https://www.dropbox.com/s/x/it''s%20100%25^&calc.jpg?dl=0&a=%22b%22'",
    ]).toContain(script);
    expect(second.spawned).toEqual([
      { command: "wslview", args: [href], verbatim: false },
      {
        command: "powershell.exe",
        args: [
          "-NoProfile",
          "-NonInteractive",
          "-ExecutionPolicy",
          "Bypass",
          "-EncodedCommand",
          powershellEncoded(script),
        ],
        verbatim: false,
      },
    ]);
    // Base64 only: nothing in it a shell or cmd would read as syntax.
    expect(second.spawned[1]?.args.at(-1)).toMatch(/^[A-Za-z0-9+/=]+$/);
    expect(Buffer.from(second.spawned[1]?.args.at(-1) ?? "", "base64").toString("utf16le")).toBe(
      script,
    );
  });

  it("fails when no opener exists, so the caller prints the URL instead", async () => {
    const { spawn } = fakeSpawn(["xdg-open"]);
    await expect(openInBrowser(NASTY[0] as string, "linux", { spawn, ...linux })).rejects.toThrow(
      /ENOENT/,
    );
  });

  it("refuses anything but an https URL on a provider's host, before starting anything", async () => {
    for (const url of [
      "http://www.dropbox.com/s/x",
      "file:///etc/passwd",
      "javascript:alert(1)",
      "https://evil.example/&calc",
      "https://user:pw@www.dropbox.com/s/x",
      "https://www.dropbox.com.evil.example/x",
      "https://www.dropbox.com/x\n&calc",
      "calc.exe",
      "",
    ]) {
      const { spawn, spawned } = fakeSpawn();
      await expect(openInBrowser(url, "win32", { spawn, ...linux })).rejects.toThrow(
        /dmshare will not open/,
      );
      expect(spawned).toEqual([]);
    }
  });

  it("opens the emulator or proxy the user pointed dmshare at, http included", () => {
    const env = { DMSHARE_DROPBOX_API_URL: "http://127.0.0.1:8790" };
    expect(urlToOpen("http://127.0.0.1:8790/oauth2/authorize?a=1&b=2", env)).toBe(
      "http://127.0.0.1:8790/oauth2/authorize?a=1&b=2",
    );
    expect(() => urlToOpen("http://127.0.0.1:8790/oauth2/authorize", {})).toThrow(
      /not an https address/,
    );
  });

  it("may open every host a provider's links live on", () => {
    for (const host of Object.values(LINK_HOSTS).flat()) expect(OPENABLE_HOSTS).toContain(host);
  });
});
