import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  cronLine,
  dmshareExpiryHere,
  installPruneTimer,
  launchdPlist,
  pruneTimerState,
  schtasksCreateArgs,
  systemdUnits,
  type TimerSpec,
  timerSpecFor,
  uninstallPruneTimer,
  whoEndsIt,
  windowsScript,
  withCronLine,
  withoutCronLine,
} from "../../src/core/prune-timer.ts";
import type { CommandResult, SchedulerSystem } from "../../src/store/scheduler.ts";

// The timer definitions are pure: snapshots per platform. Installing and removing goes through
// a machine of the test's own: commands are recorded and answered, files kept in a map.

const SPEC: TimerSpec = {
  command: ["/usr/local/bin/node", "/opt/dmshare/bin/dmshare.js"],
  env: {},
  logFile: "/home/ada/.config/dmshare/prune.log",
};
const ODD: TimerSpec = {
  command: ["/opt/my node/bin/node", "/home/o'brien/100% <tools>/dmshare.js"],
  env: { DMSHARE_CONFIG_DIR: "/home/o'brien/dm share" },
  logFile: "/home/o'brien/dm share/prune.log",
};

describe("timer definitions", () => {
  it("systemd: a oneshot service and an hourly, persistent timer", () => {
    expect(systemdUnits(SPEC)).toMatchInlineSnapshot(`
      {
        "service": "[Unit]
      Description=dmshare: revoke the links whose expiry has passed

      [Service]
      Type=oneshot
      ExecStart="/usr/local/bin/node" "/opt/dmshare/bin/dmshare.js" "prune" "--yes"
      ",
        "timer": "[Unit]
      Description=dmshare: revoke expired links every hour

      [Timer]
      OnCalendar=hourly
      RandomizedDelaySec=5min
      Persistent=true

      [Install]
      WantedBy=timers.target
      ",
      }
    `);
    // Quotes, %, $ and spaces survive systemd's own unquoting.
    expect(systemdUnits(ODD).service).toMatchInlineSnapshot(`
      "[Unit]
      Description=dmshare: revoke the links whose expiry has passed

      [Service]
      Type=oneshot
      Environment="DMSHARE_CONFIG_DIR=/home/o'brien/dm share"
      ExecStart="/opt/my node/bin/node" "/home/o'brien/100%% <tools>/dmshare.js" "prune" "--yes"
      "
    `);
  });

  it("cron: one line, quoted for sh, % escaped, marked so it can be found again", () => {
    expect(cronLine(SPEC)).toMatchInlineSnapshot(
      `"17 * * * * '/usr/local/bin/node' '/opt/dmshare/bin/dmshare.js' 'prune' '--yes' >>'/home/ada/.config/dmshare/prune.log' 2>&1 # dmshare-prune (dmshare prune --install)"`,
    );
    expect(cronLine(ODD)).toMatchInlineSnapshot(
      `"17 * * * * DMSHARE_CONFIG_DIR='/home/o'\\''brien/dm share' '/opt/my node/bin/node' '/home/o'\\''brien/100\\% <tools>/dmshare.js' 'prune' '--yes' >>'/home/o'\\''brien/dm share/prune.log' 2>&1 # dmshare-prune (dmshare prune --install)"`,
    );
  });

  it("cron: the line is added once and removed without touching the other lines", () => {
    const others = "# mine\n0 5 * * * backup\n";
    const once = withCronLine(others, cronLine(SPEC));
    expect(once).toBe(`${others}${cronLine(SPEC)}\n`);
    expect(withCronLine(once, cronLine(ODD))).toBe(`${others}${cronLine(ODD)}\n`);
    expect(withoutCronLine(once)).toBe(others);
    expect(withCronLine("0 5 * * * backup", cronLine(SPEC))).toBe(
      `0 5 * * * backup\n${cronLine(SPEC)}\n`,
    );
    expect(withCronLine("", cronLine(SPEC))).toBe(`${cronLine(SPEC)}\n`);
  });

  it("launchd: an agent every hour, XML-escaped", () => {
    expect(launchdPlist(SPEC)).toMatchInlineSnapshot(`
      "<?xml version="1.0" encoding="UTF-8"?>
      <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
      <plist version="1.0">
      <dict>
        <key>Label</key>
        <string>com.dmshare.prune</string>
        <key>ProgramArguments</key>
        <array>
          <string>/usr/local/bin/node</string>
          <string>/opt/dmshare/bin/dmshare.js</string>
          <string>prune</string>
          <string>--yes</string>
        </array>
        <key>StartInterval</key>
        <integer>3600</integer>
        <key>RunAtLoad</key>
        <true/>
        <key>StandardOutPath</key>
        <string>/home/ada/.config/dmshare/prune.log</string>
        <key>StandardErrorPath</key>
        <string>/home/ada/.config/dmshare/prune.log</string>
      </dict>
      </plist>
      "
    `);
    expect(launchdPlist(ODD)).toContain(
      "<string>/home/o'brien/100% &lt;tools&gt;/dmshare.js</string>",
    );
    expect(launchdPlist(ODD)).toContain(
      "<key>DMSHARE_CONFIG_DIR</key>\n    <string>/home/o'brien/dm share</string>",
    );
  });

  it("Windows: an hourly task that runs a batch file in the config folder", () => {
    const spec: TimerSpec = {
      command: [
        "C:\\Program Files\\nodejs\\node.exe",
        "C:\\Users\\ada\\AppData\\Roaming\\npm\\node_modules\\dmshare\\bin\\dmshare.js",
      ],
      env: { DMSHARE_CONFIG_DIR: "C:\\Users\\Tom & Jerry\\100% ^fun!\\dmshare" },
      logFile: "C:\\Users\\Tom & Jerry\\100% ^fun!\\dmshare\\prune.log",
    };
    expect(windowsScript(spec).split("\r\n")).toMatchInlineSnapshot(`
      [
        "@echo off",
        "chcp 65001 >nul",
        "rem dmshare-prune: run every hour by Task Scheduler (dmshare prune --install).",
        "setlocal DisableDelayedExpansion",
        "set "DMSHARE_CONFIG_DIR=C:\\Users\\Tom & Jerry\\100%% ^fun!\\dmshare"",
        ""C:\\Program Files\\nodejs\\node.exe" "C:\\Users\\ada\\AppData\\Roaming\\npm\\node_modules\\dmshare\\bin\\dmshare.js" prune --yes >> "C:\\Users\\Tom & Jerry\\100%% ^fun!\\dmshare\\prune.log" 2>&1",
        "",
      ]
    `);
    expect(windowsScript(spec).endsWith("\r\n")).toBe(true);
    expect(
      schtasksCreateArgs("C:\\Users\\ada\\AppData\\Roaming\\dmshare\\prune-timer.cmd"),
    ).toMatchInlineSnapshot(`
      [
        "/Create",
        "/F",
        "/SC",
        "HOURLY",
        "/TN",
        "dmshare-prune",
        "/TR",
        ""C:\\Users\\ada\\AppData\\Roaming\\dmshare\\prune-timer.cmd"",
      ]
    `);
  });

  it("Windows: refuses what Task Scheduler or a batch file can't hold, saying what to do", () => {
    expect(() => schtasksCreateArgs(`C:\\${"x".repeat(260)}\\prune-timer.cmd`)).toThrow(
      /longer than the 261 characters Task Scheduler takes/,
    );
    expect(() => windowsScript({ ...SPEC, env: { DMSHARE_CONFIG_DIR: 'C:\\a"b' } })).toThrow(
      /holds a quote or a control character/,
    );
  });

  it("the timer keeps another config dir, and never a token from the environment", () => {
    const system = machine("linux", {});
    system.env = { DMSHARE_CONFIG_DIR: "/tmp/dm", DMSHARE_DROPBOX_TOKEN: "sl.secret" };
    const spec = timerSpecFor(system, "/tmp/dm");
    expect(spec.env).toEqual({ DMSHARE_CONFIG_DIR: "/tmp/dm" });
    expect(JSON.stringify([systemdUnits(spec), cronLine(spec), launchdPlist(spec)])).not.toContain(
      "sl.secret",
    );
  });
});

type Answer = (args: string[], input?: string) => Partial<CommandResult>;

/** A machine: `answers` by command name (absent: not installed, 127). */
function machine(platform: NodeJS.Platform, answers: Record<string, Answer>) {
  const files = new Map<string, string>();
  const ran: string[] = [];
  const system: SchedulerSystem & { files: Map<string, string>; ran: string[] } = {
    platform,
    home: "/home/ada",
    env: {},
    self: SPEC.command,
    files,
    ran,
    run: async (command, args, input) => {
      ran.push([command, ...args].join(" "));
      const answer = answers[command];
      if (!answer) return { code: 127, stdout: "", stderr: "" };
      return { code: 0, stdout: "", stderr: "", ...answer(args, input) };
    },
    readFile: async (file) => files.get(file) ?? null,
    writeFile: async (file, text) => {
      files.set(file, text);
    },
    removeFile: async (file) => {
      files.delete(file);
    },
  };
  return system;
}

/** A machine where a timer of `kind` installs and is then found (its scheduler kept in memory). */
function kindMachine(kind: string, platform: NodeJS.Platform) {
  if (kind === "systemd") {
    let enabled = false;
    return machine(platform, {
      systemctl: (args) => {
        if (args.includes("enable")) enabled = true;
        if (args.includes("disable")) enabled = false;
        return args.includes("is-enabled") && !enabled ? { code: 1 } : { code: 0 };
      },
      crontab: crontab(null).answer,
    });
  }
  if (kind === "cron") {
    return machine(platform, { systemctl: () => ({ code: 1 }), crontab: crontab(null).answer });
  }
  if (kind === "launchd") return machine(platform, { launchctl: () => ({ code: 0 }) });
  let task: string | null = null;
  return machine(platform, {
    schtasks: (args) => {
      if (args[0] === "/Create") task = args.at(-1) ?? "";
      // schtasks splits /TR into the program (its first word, quoted or not) and arguments.
      if (args[0] === "/Delete") task = null;
      if (args[0] !== "/Query") return { code: 0 };
      if (task === null) return { code: 1 };
      // What `schtasks /Query /XML` prints: the task's XML, the program in <Command>.
      const [, program = "", rest = ""] = /^("[^"]*"|\S+)\s*(.*)$/.exec(task) ?? [];
      const xml = (text: string) =>
        text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
      return {
        code: 0,
        stdout: `<Task><Actions Context="Author"><Exec><Command>${xml(program)}</Command>${rest ? `<Arguments>${xml(rest)}</Arguments>` : ""}</Exec></Actions></Task>`,
      };
    },
  });
}

/** A crontab kept in memory, as `crontab -l` and `crontab -` see it. */
function crontab(initial: string | null) {
  let table = initial;
  const answer: Answer = (args, input) => {
    if (args[0] === "-l") {
      return table === null
        ? { code: 1, stderr: "no crontab for ada" }
        : { code: 0, stdout: table };
    }
    table = input ?? "";
    return { code: 0 };
  };
  return { answer, read: () => table };
}

describe("installing and removing the timer", () => {
  it("Linux with a systemd user session: unit files, enabled and started; removed again", async () => {
    const system = machine("linux", {
      systemctl: () => ({ code: 0 }),
      crontab: crontab(null).answer,
    });
    const installed = await installPruneTimer(system, SPEC);
    const unitDir = "/home/ada/.config/systemd/user";
    expect(installed).toEqual({
      kind: "systemd",
      where: `${unitDir}/dmshare-prune.timer`,
      configDir: null,
    });
    expect([...system.files.keys()].sort()).toEqual([
      `${unitDir}/dmshare-prune.service`,
      `${unitDir}/dmshare-prune.timer`,
    ]);
    expect(system.ran).toEqual([
      "systemctl --user show-environment",
      "systemctl --user daemon-reload",
      "systemctl --user enable --now dmshare-prune.timer",
      "crontab -l",
    ]);
    expect(await pruneTimerState(system)).toEqual(installed);

    system.ran.length = 0;
    expect(await uninstallPruneTimer(system)).toEqual(["systemd"]);
    expect(system.files.size).toBe(0);
    expect(system.ran).toContain("systemctl --user disable --now dmshare-prune.timer");
    expect(await pruneTimerState(system)).toEqual({ kind: null, where: null });
  });

  it("systemd units follow XDG_CONFIG_HOME", async () => {
    const system = machine("linux", { systemctl: () => ({ code: 0 }) });
    system.env = { XDG_CONFIG_HOME: "/xdg" };
    expect((await installPruneTimer(system, SPEC)).where).toBe(
      path.join("/xdg", "systemd", "user", "dmshare-prune.timer"),
    );
  });

  it("Linux without systemd for the user: a crontab line next to the user's own, removed alone", async () => {
    const table = crontab("0 5 * * * backup\n");
    const system = machine("linux", {
      systemctl: () => ({ code: 1, stderr: "Failed to connect to bus" }),
      crontab: table.answer,
    });
    expect(await installPruneTimer(system, SPEC)).toEqual({
      kind: "cron",
      where: "crontab -l",
      configDir: null,
    });
    expect(table.read()).toBe(`0 5 * * * backup\n${cronLine(SPEC)}\n`);
    // Installing again leaves one line, not two.
    await installPruneTimer(system, SPEC);
    expect(table.read()).toBe(`0 5 * * * backup\n${cronLine(SPEC)}\n`);
    expect((await pruneTimerState(system)).kind).toBe("cron");
    expect(await uninstallPruneTimer(system)).toEqual(["cron"]);
    expect(table.read()).toBe("0 5 * * * backup\n");
    expect((await pruneTimerState(system)).kind).toBeNull();
    // Nothing installed: nothing to remove, and the crontab is not rewritten.
    system.ran.length = 0;
    expect(await uninstallPruneTimer(system)).toEqual([]);
    expect(system.ran).toEqual(["crontab -l"]);
  });

  it("Linux with neither: a usage error that says what to do instead", async () => {
    const system = machine("linux", { systemctl: () => ({ code: 1 }) });
    await expect(installPruneTimer(system, SPEC)).rejects.toMatchObject({
      kind: "usage",
      message: expect.stringContaining("no systemd user session and no crontab"),
    });
  });

  it("a command that fails says which and what it said", async () => {
    const system = machine("linux", {
      systemctl: (args) =>
        args.includes("enable") ? { code: 1, stderr: "Unit file is masked.\nmore" } : { code: 0 },
    });
    await expect(installPruneTimer(system, SPEC)).rejects.toMatchObject({
      message: "Could not start the timer: systemctl failed: Unit file is masked.",
    });
  });

  it("systemd: when enabling fails, the unit files are removed again and no timer is reported", async () => {
    const system = machine("linux", {
      systemctl: (args) =>
        args.includes("enable")
          ? { code: 1, stderr: "Failed to connect to bus: No medium found" }
          : args.includes("is-enabled")
            ? { code: 1, stdout: "disabled" }
            : { code: 0 },
      crontab: crontab(null).answer,
    });
    await expect(installPruneTimer(system, SPEC)).rejects.toMatchObject({
      kind: "usage",
      message:
        "Could not start the timer: systemctl failed: Failed to connect to bus: No medium found.",
    });
    expect([...system.files.keys()]).toEqual([]);
    expect((await pruneTimerState(system)).kind).toBeNull();
  });

  it("systemd: unit files that systemd does not have enabled are not a timer", async () => {
    const system = machine("linux", {
      systemctl: (args) =>
        args.includes("is-enabled") ? { code: 1, stdout: "disabled" } : { code: 0 },
    });
    const unitDir = "/home/ada/.config/systemd/user";
    system.files.set(`${unitDir}/dmshare-prune.timer`, systemdUnits(SPEC).timer);
    system.files.set(`${unitDir}/dmshare-prune.service`, systemdUnits(SPEC).service);
    expect((await pruneTimerState(system)).kind).toBeNull();
    expect(system.ran).toContain("systemctl --user is-enabled dmshare-prune.timer");
  });

  it("launchd: when loading fails, the agent file is removed again", async () => {
    const system = machine("darwin", {
      launchctl: (args) =>
        args[0] === "load" ? { code: 1, stderr: "Load failed: 5" } : { code: 0 },
    });
    await expect(installPruneTimer(system, SPEC)).rejects.toMatchObject({ kind: "usage" });
    expect(system.files.size).toBe(0);
    expect((await pruneTimerState(system)).kind).toBeNull();
  });

  it.each([
    ["systemd", "linux" as const],
    ["cron", "linux" as const],
    ["launchd", "darwin" as const],
    ["schtasks", "win32" as const],
  ])(
    "%s: the timer says which config folder it prunes; another folder's dmshare does not count it",
    async (kind, platform) => {
      const system = kindMachine(kind, platform);
      system.env = {};
      // Quotes, %, $, & and < > survive each definition's escaping (Windows paths can't hold ").
      const configA =
        platform === "win32"
          ? "/home/ada/100% & configA"
          : `/home/o'brien/100% <"dm"> & $HOME/configA`;
      const specA = timerSpecFor(system, configA);
      expect((await installPruneTimer(system, specA)).kind).toBe(kind);
      const state = await pruneTimerState(system);
      expect(state).toMatchObject({ kind, configDir: path.resolve(configA) });
      expect((await dmshareExpiryHere(system, configA)).timerHere).toBe(true);
      expect((await dmshareExpiryHere(system, "/home/ada/configB")).timerHere).toBe(false);
      expect(
        whoEndsIt(await dmshareExpiryHere(system, "/home/ada/configB"), "Dec 12, 10:00"),
      ).toMatch(/another config folder/);
    },
  );

  it("macOS: a launchd agent, loaded; unloaded and removed", async () => {
    const system = machine("darwin", { launchctl: () => ({ code: 0 }) });
    const plist = "/home/ada/Library/LaunchAgents/com.dmshare.prune.plist";
    expect(await installPruneTimer(system, SPEC)).toEqual({
      kind: "launchd",
      where: plist,
      configDir: null,
    });
    expect(system.files.get(plist)).toBe(launchdPlist(SPEC));
    expect(system.ran).toEqual([`launchctl unload ${plist}`, `launchctl load -w ${plist}`]);
    expect((await pruneTimerState(system)).kind).toBe("launchd");
    expect(await uninstallPruneTimer(system)).toEqual(["launchd"]);
    expect(system.files.size).toBe(0);
    expect(system.ran.at(-1)).toBe(`launchctl unload -w ${plist}`);
  });

  it("Windows: the batch file written, schtasks creates, queries and deletes the task, the file removed", async () => {
    const system = kindMachine("schtasks", "win32");
    const script = "/home/ada/.config/dmshare/prune-timer.cmd";
    expect((await pruneTimerState(system)).kind).toBeNull();
    expect((await installPruneTimer(system, SPEC)).kind).toBe("schtasks");
    expect(system.files.get(script)).toBe(windowsScript(SPEC));
    expect(system.ran.at(-1)).toBe(["schtasks", ...schtasksCreateArgs(script)].join(" "));
    expect((await pruneTimerState(system)).kind).toBe("schtasks");
    expect(await uninstallPruneTimer(system)).toEqual(["schtasks"]);
    expect(system.ran.at(-1)).toBe("schtasks /Delete /F /TN dmshare-prune");
    expect(system.files.size).toBe(0);
    expect((await pruneTimerState(system)).kind).toBeNull();
  });

  it("Windows: when schtasks refuses, the batch file is removed again and no timer is reported", async () => {
    const system = machine("win32", {
      schtasks: (args) =>
        args[0] === "/Create" ? { code: 1, stderr: "ERROR: Access is denied." } : { code: 1 },
    });
    await expect(installPruneTimer(system, SPEC)).rejects.toThrow(
      "Could not create the scheduled task: schtasks failed: ERROR: Access is denied.",
    );
    expect(system.files.size).toBe(0);
    expect((await pruneTimerState(system)).kind).toBeNull();
  });

  it("Windows: a task of an older dmshare (cmd /c set … in the task) is still found and read", async () => {
    const system = machine("win32", {
      schtasks: () => ({
        code: 0,
        stdout:
          "<Task><Actions><Exec><Command>cmd</Command><Arguments>/c set &quot;DMSHARE_CONFIG_DIR=C:\\dm&quot; &amp;&amp; &quot;node&quot; &quot;x.js&quot; prune --yes</Arguments></Exec></Actions></Task>",
      }),
    });
    expect(await pruneTimerState(system)).toMatchObject({ kind: "schtasks", configDir: "C:\\dm" });
  });
});

describe("who ends a link dmshare must revoke", () => {
  const when = "Dec 12, 10:00";
  it.each([
    [
      { kind: "cron" as const, where: "crontab -l" },
      true,
      /^dmshare revokes it within the hour after Dec 12, 10:00, with an hourly crontab line/,
    ],
    [
      { kind: null, where: null },
      true,
      /^dmshare revokes it the first time you run dmshare after Dec 12, 10:00, which may be much later: dmshare prune --install/,
    ],
    [
      { kind: "cron" as const, where: "crontab -l", configDir: "/elsewhere" },
      false,
      /^the prune timer installed here is for another config folder \(\/elsewhere\), so it keeps working after Dec 12, 10:00 until you run dmshare prune \(auto-prune is off\): dmshare prune --install from here \(in place of that folder's timer\)/,
    ],
    [
      { kind: null, where: null },
      false,
      /^It keeps working after Dec 12, 10:00 until you run dmshare prune \(auto-prune is off\)/,
    ],
  ])("timer %j, auto-prune %s", (timer, autoPrune, said) => {
    const timerHere = timer.kind !== null && !("configDir" in timer);
    expect(whoEndsIt({ timer, timerHere, autoPrune }, when)).toMatch(said);
  });

  it("a timer whose runs can't log in is not a timer that ends the link on time", () => {
    const said = whoEndsIt(
      { timer: { kind: "cron", where: "crontab -l" }, timerHere: true, autoPrune: true },
      when,
      false,
      "the prune timer can't use your Dropbox login, which is only in DMSHARE_DROPBOX_TOKEN (dmshare login dropbox stores it)",
    );
    expect(said).toBe(
      "the prune timer can't use your Dropbox login, which is only in DMSHARE_DROPBOX_TOKEN (dmshare login dropbox stores it), so dmshare revokes it the first time you run dmshare after Dec 12, 10:00, which may be much later.",
    );
  });

  it("reads the auto-prune setting and the timer", async () => {
    const system = machine("darwin", {});
    const state = await dmshareExpiryHere(system, "/nonexistent/dmshare-config");
    expect(state).toEqual({
      timer: { kind: null, where: null },
      timerHere: false,
      autoPrune: true,
    });
  });
});
