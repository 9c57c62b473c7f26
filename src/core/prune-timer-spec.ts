/** What every platform's prune timer runs, shared by the definitions of each. */

export interface TimerSpec {
  /** The command line that runs dmshare (node and its script, absolute paths). */
  command: string[];
  /** Set for the timer's runs (DMSHARE_CONFIG_DIR: the config folder it prunes). Never secrets. */
  env: Record<string, string>;
  /** Where cron, launchd and the Windows task keep what the runs print. */
  logFile: string;
}

export const TIMER_NAME = "dmshare-prune";
export const PRUNE_ARGS = ["prune", "--yes"];

export const xmlEscape = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export const xmlUnescape = (text: string) =>
  text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
