import type { Output } from "./output.ts";

export interface Progress {
  update(text: string): void;
  succeed(text: string): void;
  stop(): void;
}

const silent: Progress = { update() {}, succeed() {}, stop() {} };

/** A spinner on a terminal (ora, loaded only then); elsewhere just the final lines. */
export async function startProgress(output: Output, text: string): Promise<Progress> {
  // A terminal that reports no width (some `script`/CI ptys) sends ora into an endless redraw.
  if (!output.interactive || !(output.ctx.stderr.columns && output.ctx.stderr.columns > 0)) {
    return { ...silent, succeed: (done) => output.success(done) };
  }
  const { default: ora } = await import("ora");
  const spinner = ora({
    text,
    stream: output.ctx.stderr,
    color: output.err.level > 0 ? "cyan" : false,
    isEnabled: true,
    // ora's default puts stdin in raw mode to swallow keys, and then ^C is a keypress, not
    // SIGINT: the send could not be stopped while the spinner turns. Ctrl-C must always work.
    discardStdin: false,
  }).start();
  return {
    update: (next) => {
      spinner.text = next;
    },
    succeed: (done) => {
      spinner.stopAndPersist({ symbol: output.err.green("✔"), text: done });
    },
    stop: () => spinner.stop(),
  };
}

const UNITS = ["B", "KB", "MB", "GB", "TB"];

/** 2.4 MB (decimal units, as file managers show them). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? Math.round(value) : value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}
