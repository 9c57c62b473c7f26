import path from "node:path";
import { DmshareError, usageError } from "../lib/errors.ts";
import type { SchedulerSystem } from "../store/scheduler.ts";
import { LAUNCHD_LABEL, launchdPlist, plistConfigDir } from "./prune-timer-launchd.ts";
import { PRUNE_ARGS, TIMER_NAME, type TimerSpec } from "./prune-timer-spec.ts";
import {
  schtasksCreateArgs,
  scriptPathOfTask,
  windowsConfigDir,
  windowsScript,
  windowsScriptPath,
} from "./prune-timer-windows.ts";

export { launchdPlist, schtasksCreateArgs, TIMER_NAME, type TimerSpec, windowsScript };

/**
 * `dmshare prune --install`: a timer of the user's own (no root) that runs `dmshare prune
 * --yes` every hour, so links dmshare must revoke go on time even when dmshare is not used.
 * The definitions are pure functions of what to run; installing goes through a
 * SchedulerSystem (the machine, or a test's).
 */

export type TimerKind = "systemd" | "cron" | "launchd" | "schtasks";

export interface TimerState {
  kind: TimerKind | null;
  /** The file or name that holds it, for the person to find it. */
  where: string | null;
  /**
   * The config folder whose links it prunes (as written in its definition); null when none
   * is written there (a timer from an older dmshare, or one dmshare can't read).
   */
  configDir?: string | null;
}

const NO_TIMER: TimerState = { kind: null, where: null };

const CRON_MARK = `# ${TIMER_NAME} (dmshare prune --install)`;

/** What the timer runs, and with which settings, for the dmshare running now. */
export function timerSpecFor(system: SchedulerSystem, configDir: string): TimerSpec {
  // Always written out, so that the timer prunes this folder whatever the default is then,
  // and so that pruneTimerState can tell which folder it prunes.
  return {
    command: system.self,
    env: { DMSHARE_CONFIG_DIR: path.resolve(configDir) },
    logFile: path.join(configDir, "prune.log"),
  };
}

/** The config folder a timer definition prunes: its DMSHARE_CONFIG_DIR, unescaped. */
function configDirIn(text: string | null, pattern: RegExp, decode: (s: string) => string) {
  const found = text === null ? null : pattern.exec(text);
  return found?.[1] === undefined ? null : decode(found[1]);
}

// ---- The definitions (pure) ----

/** A word for systemd's ExecStart=/Environment=: quoted, with its specials escaped. */
const systemdQuote = (word: string) =>
  `"${word.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%").replace(/\$/g, "$$$$")}"`;

/** The user service and its hourly timer (~/.config/systemd/user). */
export function systemdUnits(spec: TimerSpec): { service: string; timer: string } {
  const environment = Object.entries(spec.env).map(
    ([key, value]) => `Environment=${systemdQuote(`${key}=${value}`)}\n`,
  );
  const service =
    "[Unit]\n" +
    "Description=dmshare: revoke the links whose expiry has passed\n\n" +
    "[Service]\n" +
    "Type=oneshot\n" +
    environment.join("") +
    `ExecStart=${[...spec.command, ...PRUNE_ARGS].map(systemdQuote).join(" ")}\n`;
  const timer =
    "[Unit]\n" +
    "Description=dmshare: revoke expired links every hour\n\n" +
    "[Timer]\n" +
    "OnCalendar=hourly\n" +
    "RandomizedDelaySec=5min\n" +
    "Persistent=true\n\n" +
    "[Install]\n" +
    "WantedBy=timers.target\n";
  return { service, timer };
}

const systemdUnquote = (word: string) =>
  word
    .replace(/\$\$/g, "$")
    .replace(/%%/g, "%")
    .replace(/\\(["\\])/g, "$1");
const SYSTEMD_CONFIG_DIR = /^Environment="DMSHARE_CONFIG_DIR=((?:[^"\\]|\\.)*)"$/m;

/** A word for a POSIX shell (cron runs its lines with /bin/sh). */
const shellQuote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/** The crontab line: every hour, what it prints appended to the log. */
export function cronLine(spec: TimerSpec): string {
  // In a crontab, % ends the command unless escaped.
  const words = [
    ...Object.entries(spec.env).map(([key, value]) => `${key}=${shellQuote(value)}`),
    ...[...spec.command, ...PRUNE_ARGS].map(shellQuote),
    `>>${shellQuote(spec.logFile)} 2>&1`,
  ].map((word) => word.replace(/%/g, "\\%"));
  return `17 * * * * ${words.join(" ")} ${CRON_MARK}`;
}

/** The crontab with dmshare's line (and only one of it) at its end. */
export function withCronLine(crontab: string, line: string): string {
  const kept = withoutCronLine(crontab);
  return `${kept}${kept === "" || kept.endsWith("\n") ? "" : "\n"}${line}\n`;
}

/** The crontab without dmshare's line; the rest exactly as it was. */
export function withoutCronLine(crontab: string): string {
  return crontab
    .split(/(?<=\n)/)
    .filter((line) => !line.includes(CRON_MARK))
    .join("");
}

const shellUnquote = (word: string) => word.replace(/'\\''/g, "'").replace(/\\%/g, "%");
const CRON_CONFIG_DIR = /DMSHARE_CONFIG_DIR='((?:[^']|'\\'')*)'/;

// ---- Where they go ----

function systemdDir(system: SchedulerSystem): string {
  const base = system.env.XDG_CONFIG_HOME || path.join(system.home, ".config");
  return path.join(base, "systemd", "user");
}

const systemdFiles = (system: SchedulerSystem) => ({
  service: path.join(systemdDir(system), `${TIMER_NAME}.service`),
  timer: path.join(systemdDir(system), `${TIMER_NAME}.timer`),
});

const plistPath = (system: SchedulerSystem) =>
  path.join(system.home, "Library", "LaunchAgents", `${LAUNCHD_LABEL}.plist`);

/** `systemctl --user is-enabled`: whether systemd will run the timer, not only whether its file is there. */
async function systemdTimerEnabled(system: SchedulerSystem): Promise<boolean> {
  return (
    (await system.run("systemctl", ["--user", "is-enabled", `${TIMER_NAME}.timer`])).code === 0
  );
}

async function hasSystemdUser(system: SchedulerSystem): Promise<boolean> {
  return (await system.run("systemctl", ["--user", "show-environment"])).code === 0;
}

async function readCrontab(system: SchedulerSystem): Promise<string | null> {
  const listed = await system.run("crontab", ["-l"]);
  if (listed.code === 127) return null;
  // "no crontab for USER" is an empty crontab.
  return listed.code === 0 ? listed.stdout : "";
}

/** Whether a prune timer is installed, which, and which config folder it prunes. */
export async function pruneTimerState(system: SchedulerSystem): Promise<TimerState> {
  switch (system.platform) {
    case "darwin": {
      const file = plistPath(system);
      const plist = await system.readFile(file);
      if (plist === null) return NO_TIMER;
      const configDir = plistConfigDir(plist);
      return { kind: "launchd", where: file, configDir };
    }
    case "win32": {
      const task = await queryTask(system);
      if (task === null) return NO_TIMER;
      const configDir = windowsConfigDir(task.xml, task.script);
      return { kind: "schtasks", where: `Task Scheduler: ${TIMER_NAME}`, configDir };
    }
    default: {
      const files = systemdFiles(system);
      if ((await system.readFile(files.timer)) !== null && (await systemdTimerEnabled(system))) {
        const service = await system.readFile(files.service);
        const configDir = configDirIn(service, SYSTEMD_CONFIG_DIR, systemdUnquote);
        return { kind: "systemd", where: files.timer, configDir };
      }
      const crontab = await readCrontab(system);
      const line = crontab?.split("\n").find((text) => text.includes(CRON_MARK));
      if (line === undefined) return NO_TIMER;
      const configDir = configDirIn(line, CRON_CONFIG_DIR, shellUnquote);
      return { kind: "cron", where: "crontab -l", configDir };
    }
  }
}

/** Runs the steps after a timer's files are written; when one fails, removes them again. */
async function orUndo(
  system: SchedulerSystem,
  files: string[],
  steps: () => Promise<void>,
  undo: () => Promise<unknown> = async () => undefined,
): Promise<void> {
  try {
    await steps();
  } catch (error) {
    for (const file of files) await system.removeFile(file).catch(() => undefined);
    await undo().catch(() => undefined);
    if (error instanceof DmshareError) {
      throw new DmshareError(error.kind, error.message, {
        hint: `Nothing was left installed. Run dmshare prune --yes from a scheduler of your own (see "Link lifecycle" in the README), or run dmshare prune from time to time.`,
        cause: error.cause,
      });
    }
    throw error;
  }
}

/** Installs (or re-installs) the hourly timer; returns what was installed. */
export async function installPruneTimer(
  system: SchedulerSystem,
  spec: TimerSpec,
): Promise<TimerState> {
  switch (system.platform) {
    case "darwin": {
      const file = plistPath(system);
      await system.writeFile(file, launchdPlist(spec));
      await orUndo(system, [file], async () => {
        await system.run("launchctl", ["unload", file]);
        await must(system, "launchctl", ["load", "-w", file], "load the launchd agent");
      });
      return { kind: "launchd", where: file, configDir: spec.env.DMSHARE_CONFIG_DIR ?? null };
    }
    case "win32": {
      const file = windowsScriptPath(spec);
      const args = schtasksCreateArgs(file);
      await system.writeFile(file, windowsScript(spec));
      await orUndo(system, [file], () =>
        must(system, "schtasks", args, "create the scheduled task"),
      );
      return {
        kind: "schtasks",
        where: `Task Scheduler: ${TIMER_NAME}`,
        configDir: spec.env.DMSHARE_CONFIG_DIR ?? null,
      };
    }
    default: {
      if (await hasSystemdUser(system)) {
        const files = systemdFiles(system);
        const units = systemdUnits(spec);
        await system.writeFile(files.service, units.service);
        await system.writeFile(files.timer, units.timer);
        // Files without an enabled timer would look installed and run nothing.
        await orUndo(
          system,
          [files.timer, files.service],
          async () => {
            await must(system, "systemctl", ["--user", "daemon-reload"], "reload systemd");
            await must(
              system,
              "systemctl",
              ["--user", "enable", "--now", `${TIMER_NAME}.timer`],
              "start the timer",
            );
          },
          () => system.run("systemctl", ["--user", "daemon-reload"]),
        );
        // One way only: a crontab line from an earlier install would run prune twice.
        await removeCronLine(system);
        return {
          kind: "systemd",
          where: files.timer,
          configDir: spec.env.DMSHARE_CONFIG_DIR ?? null,
        };
      }
      const crontab = await readCrontab(system);
      if (crontab === null) {
        throw usageError(
          "There is no way to run a timer here: no systemd user session and no crontab.",
          "Run dmshare prune yourself from time to time, or from whatever scheduler this system has.",
        );
      }
      await must(
        system,
        "crontab",
        ["-"],
        "write the crontab",
        withCronLine(crontab, cronLine(spec)),
      );
      return { kind: "cron", where: "crontab -l", configDir: spec.env.DMSHARE_CONFIG_DIR ?? null };
    }
  }
}

/** Removes the timer, whichever way it was installed; returns what was removed. */
export async function uninstallPruneTimer(system: SchedulerSystem): Promise<TimerKind[]> {
  const removed: TimerKind[] = [];
  switch (system.platform) {
    case "darwin": {
      const file = plistPath(system);
      if ((await system.readFile(file)) === null) return removed;
      await system.run("launchctl", ["unload", "-w", file]);
      await system.removeFile(file);
      return ["launchd"];
    }
    case "win32": {
      const task = await queryTask(system);
      if (task === null) return removed;
      await must(system, "schtasks", ["/Delete", "/F", "/TN", TIMER_NAME], "delete the task");
      if (task.scriptPath !== null) await system.removeFile(task.scriptPath);
      return ["schtasks"];
    }
    default: {
      const files = systemdFiles(system);
      if ((await system.readFile(files.timer)) !== null) {
        await system.run("systemctl", ["--user", "disable", "--now", `${TIMER_NAME}.timer`]);
        await system.removeFile(files.timer);
        await system.removeFile(files.service);
        await system.run("systemctl", ["--user", "daemon-reload"]);
        removed.push("systemd");
      }
      if (await removeCronLine(system)) removed.push("cron");
      return removed;
    }
  }
}

/** The task as `schtasks /Query /XML` shows it, and the batch file it runs; null when none. */
async function queryTask(system: SchedulerSystem) {
  const query = await system.run("schtasks", ["/Query", "/TN", TIMER_NAME, "/XML"]);
  if (query.code !== 0) return null;
  const scriptPath = scriptPathOfTask(query.stdout);
  const script = scriptPath === null ? null : await system.readFile(scriptPath);
  return { xml: query.stdout, scriptPath, script };
}

async function removeCronLine(system: SchedulerSystem): Promise<boolean> {
  const crontab = await readCrontab(system);
  if (!crontab?.includes(CRON_MARK)) return false;
  await must(system, "crontab", ["-"], "write the crontab", withoutCronLine(crontab));
  return true;
}

async function must(
  system: SchedulerSystem,
  command: string,
  args: string[],
  what: string,
  input?: string,
): Promise<void> {
  const result = await system.run(command, args, input);
  if (result.code === 0) return;
  const said = ((result.stderr || result.stdout).trim().split("\n")[0] ?? "").replace(/\.$/, "");
  throw new DmshareError(
    "usage",
    `Could not ${what}: ${command} ${result.code === 127 ? "is not installed" : `failed${said ? `: ${said}` : ""}`}.`,
    {
      hint: `dmshare prune --uninstall removes what was set up. Or run dmshare prune --yes from a scheduler of your own (see "Link lifecycle" in the README).`,
    },
  );
}

/** "an hourly systemd user timer (…/dmshare-prune.timer)", for status and send. */
export function describeTimer(state: TimerState): string {
  switch (state.kind) {
    case "systemd":
      return `an hourly systemd user timer (${state.where})`;
    case "cron":
      return "an hourly crontab line (crontab -l shows it)";
    case "launchd":
      return `an hourly launchd agent (${state.where})`;
    case "schtasks":
      return `an hourly scheduled task (${TIMER_NAME} in Task Scheduler)`;
    default:
      return "no timer";
  }
}

/** How dmshare ends the links whose expiry it enforces itself, here and now. */
export interface DmshareExpiry {
  timer: TimerState;
  /** The timer prunes this config folder (a timer for another folder leaves these links be). */
  timerHere: boolean;
  /** Each dmshare command first revokes what is overdue (`auto-prune`, on by default). */
  autoPrune: boolean;
}

export async function dmshareExpiryHere(
  system: SchedulerSystem,
  configDir: string,
): Promise<DmshareExpiry> {
  const { ConfigStore } = await import("../store/config.ts");
  const [timer, setting] = await Promise.all([
    pruneTimerState(system),
    new ConfigStore(configDir).get("auto-prune"),
  ]);
  const timerHere =
    timer.kind !== null &&
    typeof timer.configDir === "string" &&
    path.resolve(timer.configDir) === path.resolve(configDir);
  return { timer, timerHere, autoPrune: setting !== "off" };
}

/**
 * Who ends a link dmshare must revoke, and how, in a sentence: "dmshare revokes it within
 * the hour after Dec 12, 10:00 (…)". `when` is the expiry as the person reads it.
 */
export function whoEndsIt(
  state: DmshareExpiry,
  when: string,
  several = false,
  /** Why the installed timer can't revoke these links, when it can't (e.g. env-only login). */
  timerCannot?: string,
): string {
  const it = several ? "them" : "it";
  if (state.timer.kind !== null && state.timerHere && timerCannot === undefined) {
    return `dmshare revokes ${it} within the hour after ${when}, with ${describeTimer(state.timer)}.`;
  }
  const otherFolder = state.timer.kind !== null && !state.timerHere;
  const why =
    state.timer.kind === null
      ? ""
      : otherFolder
        ? `the prune timer installed here is for another config folder${state.timer.configDir ? ` (${state.timer.configDir})` : ""}, so `
        : `${timerCannot}, so `;
  // There is one timer per user: installing it from here replaces the other folder's.
  const install =
    state.timer.kind === null
      ? "dmshare prune --install"
      : otherFolder
        ? "dmshare prune --install from here (in place of that folder's timer)"
        : null;
  if (state.autoPrune) {
    return `${why}dmshare revokes ${it} the first time you run dmshare after ${when}, which may be much later${install ? `: ${install} revokes ${it} on time (hourly)` : ""}.`;
  }
  const keeps =
    why === "" ? (several ? "They keep" : "It keeps") : several ? "they keep" : "it keeps";
  return `${why}${keeps} working after ${when} until you run dmshare prune (auto-prune is off)${install ? `: ${install} does that hourly` : ""}.`;
}
