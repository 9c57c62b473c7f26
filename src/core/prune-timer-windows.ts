import path from "node:path";
import { usageError } from "../lib/errors.ts";
import { PRUNE_ARGS, TIMER_NAME, type TimerSpec, xmlUnescape } from "./prune-timer-spec.ts";

/**
 * The Windows prune timer: an hourly Task Scheduler task of the user's own (schtasks, no
 * admin rights) that runs a batch file in the config folder. The batch file, not the task,
 * holds the command line: `schtasks /TR` takes at most 261 characters, which node's path, the
 * script's and the config folder's together often pass, and a task has no environment
 * variables of its own. The batch file also sends what the runs print to the log, as cron
 * and launchd do.
 */
export const WINDOWS_SCRIPT_NAME = "prune-timer.cmd";
/** What `schtasks /Create /TR` accepts at most. */
export const SCHTASKS_TR_MAX = 261;

/** The batch file's place: the config folder the timer prunes, beside its log. */
export const windowsScriptPath = (spec: TimerSpec) =>
  path.join(path.dirname(spec.logFile), WINDOWS_SCRIPT_NAME);

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const UNQUOTABLE = /["\u0000-\u001f]/;

/**
 * A word for a batch file, in double quotes: there `&`, `|`, `<`, `>` and `^` are plain
 * characters and `%` is written `%%`. A Windows path can't hold `"` or control characters;
 * a word that does can't be written safely and is refused.
 */
function batchWord(word: string): string {
  if (UNQUOTABLE.test(word)) {
    throw usageError(
      `Can't write the scheduled task: ${JSON.stringify(word)} holds a quote or a control character.`,
      "Set DMSHARE_CONFIG_DIR to a plain folder path, then run dmshare prune --install again.",
    );
  }
  return `"${word.replace(/%/g, "%%")}"`;
}

/**
 * The batch file the task runs. chcp 65001 first, so the lines after it are read as UTF-8
 * (a user name with é in the paths); delayed expansion off, so `!` stays a plain character.
 */
export function windowsScript(spec: TimerSpec): string {
  const lines = [
    "@echo off",
    "chcp 65001 >nul",
    `rem ${TIMER_NAME}: run every hour by Task Scheduler (dmshare prune --install).`,
    "setlocal DisableDelayedExpansion",
    ...Object.entries(spec.env).map(([key, value]) => `set ${batchWord(`${key}=${value}`)}`),
    `${[...spec.command.map(batchWord), ...PRUNE_ARGS].join(" ")} >> ${batchWord(spec.logFile)} 2>&1`,
  ];
  return `${lines.join("\r\n")}\r\n`;
}

/** The arguments of `schtasks` that create the hourly task (replacing one of the same name). */
export function schtasksCreateArgs(scriptPath: string): string[] {
  const run = `"${scriptPath}"`;
  if (run.length > SCHTASKS_TR_MAX) {
    throw usageError(
      `Can't create the scheduled task: the path of its batch file (${scriptPath}) is longer than the ${SCHTASKS_TR_MAX} characters Task Scheduler takes.`,
      "Set DMSHARE_CONFIG_DIR to a folder with a shorter path, then run dmshare prune --install again.",
    );
  }
  return ["/Create", "/F", "/SC", "HOURLY", "/TN", TIMER_NAME, "/TR", run];
}

/** The batch file a task runs, from `schtasks /Query /XML`: its <Command>, unquoted. */
export function scriptPathOfTask(xml: string): string | null {
  const command = /<Command>([^<]*)<\/Command>/.exec(xml)?.[1];
  if (command === undefined) return null;
  const file = xmlUnescape(command)
    .trim()
    .replace(/^"(.*)"$/, "$1");
  return file.toLowerCase().endsWith(`\\${WINDOWS_SCRIPT_NAME}`) ||
    file.toLowerCase().endsWith(`/${WINDOWS_SCRIPT_NAME}`)
    ? file
    : null;
}

const SCRIPT_CONFIG_DIR = /^set "DMSHARE_CONFIG_DIR=(.*)"\r?$/m;
/** A task of an older dmshare ran `cmd /c set "DMSHARE_CONFIG_DIR=…" && …` itself. */
const LEGACY_CONFIG_DIR = /set "DMSHARE_CONFIG_DIR=([^"]*)"/;

/** The config folder a task prunes: from its batch file, or from an older task's own line. */
export function windowsConfigDir(taskXml: string, script: string | null): string | null {
  if (script !== null) {
    const found = SCRIPT_CONFIG_DIR.exec(script)?.[1];
    return found === undefined ? null : found.replace(/%%/g, "%");
  }
  return LEGACY_CONFIG_DIR.exec(xmlUnescape(taskXml))?.[1] ?? null;
}
