// The completion scripts in the shells themselves, through the built binary on PATH as
// `dmshare`, over a ledger with live, revoked, expired and pending links: bash (its
// completion function called with COMP_WORDS set, and Tab pressed in a real terminal), zsh
// (Tab pressed in a real terminal: only its line editor runs completion) and fish
// (`complete -C`). Each kind of candidate in each shell: link ids after revoke (live ones
// only), album names after --album, durations, providers, presets, and files after send.
// zsh and fish are installed by .ci/run; where one is missing, its tests say so and fail.
import { execFileSync, spawnSync } from "node:child_process";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, tempDir } from "../helpers/cli.ts";
import { COMPLETION_NOW, seedCompletionLedger } from "../helpers/completion-ledger.ts";
import { type ShellTerminal, startShell } from "../helpers/shell-terminal.ts";

const LIVE = ["a1bum000", "k3x9m2qa", "7hw2dd4e", "k3x7hw2p"];
const NOT_LIVE = ["r3v0k3d1", "e7p1r3d0", "p3nd1ng0"];
const DURATIONS = ["30m", "1h", "12h", "1d", "7d", "2w", "30d"];
const PROVIDERS = ["dropbox", "gdrive", "gphotos", "onedrive"];

let work: Awaited<ReturnType<typeof tempDir>>;
/** The environment of every shell: dmshare on PATH, the seeded ledger, the tests' clock. */
let env: Record<string, string>;
let photos: string;

beforeAll(async () => {
  work = await tempDir("dmshare-completion-");
  const bin = path.join(work.dir, "bin");
  const config = path.join(work.dir, "config");
  photos = path.join(work.dir, "photos");
  await Promise.all([mkdir(bin), mkdir(config), mkdir(photos)]);
  await writeFile(
    path.join(bin, "dmshare"),
    `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`,
  );
  await chmod(path.join(bin, "dmshare"), 0o755);
  await writeFile(path.join(photos, "beach.jpg"), "x");
  await writeFile(path.join(photos, "zz-notes.txt"), "x");
  await seedCompletionLedger(config);
  env = {
    PATH: `${bin}:${process.env.PATH}`,
    HOME: work.dir,
    XDG_CONFIG_HOME: path.join(work.dir, "xdg-config"),
    XDG_DATA_HOME: path.join(work.dir, "xdg-data"),
    LANG: "C.UTF-8",
    TERM: "screen",
    DMSHARE_CONFIG_DIR: config,
    DMSHARE_NOW: COMPLETION_NOW,
  };
});
afterAll(() => work.cleanup());

/** Fails with the line that installs what is missing, instead of a spawn error. */
function needs(...commands: string[]) {
  for (const command of commands) {
    const found = spawnSync("sh", ["-c", `command -v ${command}`]).status === 0;
    expect(found, `${command} is needed for this test: apt-get install ${command}`).toBe(true);
  }
}

const script = (shell: string) =>
  execFileSync("dmshare", ["completion", shell], { env, encoding: "utf8" });

describe("dmshare __complete through the built binary", () => {
  // Tab runs it: it must not load an SDK (they bring crypto, http, https, zlib along).
  const REPORT_BUILTINS = `data:text/javascript,${encodeURIComponent(
    `process.on("exit", () => process.stderr.write("builtins " + JSON.stringify(process.moduleLoadList) + "\\n"));`,
  )}`;

  it("reads the ledger (node:sqlite) and loads no SDK: none of crypto, http(s), zlib, readline", () => {
    const result = spawnSync("dmshare", ["__complete", "--", "revoke", "k3x9"], {
      env: { ...env, NODE_OPTIONS: `--import=${REPORT_BUILTINS}` },
      encoding: "utf8",
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe("k3x9m2qa\tbeach.jpg (Dropbox, 2 days ago)\n");
    const loaded = JSON.parse(result.stderr.replace(/^builtins /, "")) as string[];
    expect(loaded).toContain("NativeModule sqlite");
    for (const name of ["crypto", "http", "https", "zlib", "readline", "child_process"]) {
      expect(loaded).not.toContain(`NativeModule ${name}`);
    }
  });
});

describe("bash", () => {
  /** What _dmshare puts in COMPREPLY for `words` (the last one being completed). */
  const complete = (words: string[]) =>
    execFileSync(
      "bash",
      [
        "--norc",
        "-c",
        `source <(dmshare completion bash)
COMP_WORDS=(dmshare "$@"); COMP_CWORD=$#; _dmshare; printf '%s\\n' "\${COMPREPLY[@]}"`,
        "bash",
        ...words,
      ],
      { cwd: photos, env, encoding: "utf8" },
    )
      .split("\n")
      .filter(Boolean);

  it("link ids after revoke: live ones only, by prefix, not those already named", () => {
    expect(complete(["revoke", ""])).toEqual(LIVE);
    expect(complete(["revoke", "k3x"])).toEqual(["k3x9m2qa", "k3x7hw2p"]);
    expect(complete(["revoke", "k3x9m2qa", "--dry-run", "k3x"])).toEqual(["k3x7hw2p"]);
    for (const id of NOT_LIVE) expect(complete(["revoke", id.slice(0, 4)])).toEqual([]);
  });

  it("album names after --album, quoted for the command line", () => {
    expect(complete(["send", "beach.jpg", "--album", ""])).toEqual([
      "Lisbon\\ trip",
      "Porto\\ 2025",
    ]);
    expect(complete(["send", "--album", "Li"])).toEqual(["Lisbon\\ trip"]);
    // --album=Li, as bash splits it at "=".
    expect(complete(["send", "--album", "=", "Li"])).toEqual(["Lisbon\\ trip"]);
  });

  it("durations after --expires and --older-than", () => {
    expect(complete(["send", "--expires", ""])).toEqual(DURATIONS);
    expect(complete(["revoke", "--older-than", "1"])).toEqual(["1h", "12h", "1d"]);
    expect(complete(["send", "--expires", "=", "1"])).toEqual(["1h", "12h", "1d"]);
  });

  it("providers after --via, --provider and login; presets after --preset; files after send", () => {
    expect(complete(["send", "--via", ""])).toEqual(PROVIDERS);
    expect(complete(["sync", "--provider", "g"])).toEqual(["gdrive", "gphotos"]);
    expect(complete(["login", ""])).toEqual(PROVIDERS);
    expect(complete(["send", "--preset", "p"])).toEqual(["professional"]);
    expect(complete(["send", "be"])).toEqual(["beach.jpg"]);
  });

  describe("at a real terminal (Tab)", () => {
    let shell: ShellTerminal;
    beforeAll(async () => {
      needs("tmux");
      shell = await startShell(["bash", "--norc", "--noprofile", "-i"], { env, cwd: photos });
      await shell.type(`PS1='$ '; source <(dmshare completion bash); echo READY\n`);
      await shell.waitFor(/^READY$/m);
    });
    afterAll(() => shell?.close());

    it("Tab completes a link id; with nothing to offer it offers no file names", async () => {
      await shell.type("dmshare revoke k3x9");
      await shell.press("Tab");
      await shell.waitFor("$ dmshare revoke k3x9m2qa ");
      await shell.press("C-u");
      // Every live id, newest first (bash would sort them).
      await shell.type("dmshare revoke ");
      await shell.press("Tab", "Tab");
      await shell.waitFor(new RegExp(LIVE.join(" +")));
      await shell.press("C-u");
      await shell.type("dmshare send --album=Li");
      await shell.press("Tab");
      await shell.waitFor("$ dmshare send --album=Lisbon\\ trip ");
      await shell.press("C-u");
      // No link id starts with zz, but zz-notes.txt does: a fallback to file names would
      // complete it (as it did after revoke and --expires before).
      for (const line of ["dmshare revoke zz", "dmshare send --expires zz"]) {
        await shell.type(line);
        await shell.press("Tab", "Tab");
        await shell.type("#END");
        const screen = await shell.waitFor(`${line}#END`);
        expect(screen).not.toContain("zz-notes");
        await shell.press("C-u");
      }
      await shell.press("C-u");
    });
  });
});

describe("zsh", () => {
  let shell: ShellTerminal;
  beforeAll(async () => {
    needs("zsh", "tmux");
    shell = await startShell(["zsh", "-f", "-i"], { env, cwd: photos });
    await writeFile(path.join(work.dir, "_dmshare"), script("zsh"));
    await shell.type(
      `PS1='$ '; autoload -Uz compinit && compinit -u -D; source ${work.dir}/_dmshare; echo READY\n`,
    );
    await shell.waitFor(/^READY$/m);
  });
  afterAll(() => shell?.close());

  let marks = 0;
  /**
   * Types `line`, presses Tab and returns what the screen shows from that line on once it
   * shows `until` there; then abandons the line (Ctrl-C), so nothing is ever run.
   */
  async function tab(line: string, until: string): Promise<string> {
    const mark = `MARK${++marks}`;
    await shell.type(`: ${mark}\n`);
    await shell.waitFor(new RegExp(`^\\$ : ${mark}\\n\\$ $`, "m"));
    await shell.type(line);
    await shell.press("Tab");
    const escaped = until.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const screen = await shell.waitFor(new RegExp(`: ${mark}\\n[\\s\\S]*${escaped}`));
    await shell.press("C-c");
    return screen.slice(screen.lastIndexOf(`: ${mark}`));
  }

  it("link ids after revoke, each with its name: live ones only", async () => {
    const screen = await tab("dmshare revoke ", "dog.jpg");
    for (const id of LIVE) expect(screen).toContain(id);
    expect(screen).toMatch(/k3x9m2qa\s+-- beach\.jpg \(Dropbox, 2 days ago\)/);
    expect(screen).toMatch(/7hw2dd4e\s+-- overdue\.jpg \(Dropbox, 3 days ago, overdue\)/);
    for (const id of NOT_LIVE) expect(screen).not.toContain(id);
    // Newest first, as dmshare list has them (zsh would sort them by id).
    const at = LIVE.map((id) => screen.indexOf(id));
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(await tab("dmshare revoke k3x9", "$ dmshare revoke k3x9m2qa ")).toBeTruthy();
  });

  it("album names after --album", async () => {
    const screen = await tab("dmshare send beach.jpg --album ", "Porto");
    expect(screen).toMatch(/Lisbon\\? trip\s+-- album, Dropbox/);
    expect(
      await tab("dmshare send --album Li", "$ dmshare send --album Lisbon\\ trip "),
    ).toBeTruthy();
  });

  it("durations after --expires", async () => {
    const screen = await tab("dmshare send --expires ", "30d");
    for (const duration of DURATIONS)
      expect(screen).toMatch(new RegExp(`(?<!\\w)${duration}(?!\\w)`));
  });

  it("providers after --via, presets after --preset, files after send", async () => {
    const screen = await tab("dmshare send --via ", "gphotos");
    for (const provider of PROVIDERS) expect(screen).toContain(provider);
    await tab("dmshare send --preset fr", "$ dmshare send --preset friendly ");
    await tab("dmshare send be", "$ dmshare send beach.jpg ");
  });
});

describe("fish", () => {
  beforeAll(() => needs("fish"));
  /** What fish offers for `line` (complete -C): value, TAB, description. */
  const complete = (line: string) =>
    execFileSync(
      "fish",
      [
        "--no-config",
        "-c",
        `dmshare completion fish | source; complete -C ${JSON.stringify(line)}`,
      ],
      { cwd: photos, env, encoding: "utf8" },
    )
      .split("\n")
      .filter(Boolean);
  const values = (line: string) => complete(line).map((candidate) => candidate.split("\t")[0]);

  it("link ids after revoke, each with its name: live ones only", () => {
    const offered = complete("dmshare revoke ");
    expect(offered).toContain("k3x9m2qa\tbeach.jpg (Dropbox, 2 days ago)");
    expect(offered).toContain("a1bum000\tLisbon trip (album, Dropbox, 24 h ago)");
    // Newest first, as dmshare list has them (fish would sort them by name).
    expect(offered.map((line) => line.split("\t")[0])).toEqual(LIVE);
    expect(values("dmshare revoke k3x9m2qa k3x")).toEqual(["k3x7hw2p"]);
  });

  it("album names after --album", () => {
    expect(complete("dmshare send --album ")).toEqual([
      "Lisbon trip\talbum, Dropbox, 24 h ago",
      "Porto 2025\talbum, Dropbox, 3 days ago",
    ]);
  });

  it("durations after --expires and --older-than", () => {
    expect(values("dmshare send --expires ").sort()).toEqual([...DURATIONS].sort());
    expect(values("dmshare revoke --older-than ").sort()).toEqual([...DURATIONS].sort());
  });

  it("providers after --via and login, presets after --preset, files after send", () => {
    expect(values("dmshare send --via ")).toEqual(PROVIDERS);
    expect(values("dmshare login ")).toEqual(PROVIDERS);
    expect(values("dmshare send --preset m")).toEqual(["minimal"]);
    expect(values("dmshare send be")).toEqual(["beach.jpg"]);
  });
});
