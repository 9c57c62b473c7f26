import type { Ctx } from "../context.ts";
import { interruptedError } from "../lib/errors.ts";
import type { Output } from "./output.ts";

/**
 * Questions to the person at the terminal, through @inquirer/prompts (loaded only when a
 * question is asked). They are drawn on stderr, so stdout keeps only the result. Nothing
 * here is ever asked without a terminal: callers check `canAsk` and otherwise fail with a
 * usage error that names the missing argument.
 */

/** A person can answer: stdin is a terminal, and so is stderr, where questions are drawn. */
export function canAsk(ctx: Ctx): boolean {
  return Boolean(ctx.stdin.isTTY && ctx.stderr.isTTY);
}

export interface Choice<Value> {
  value: Value;
  name: string;
  description?: string;
  /** What is echoed once chosen, instead of `name` (checkbox lists). */
  short?: string;
  checked?: boolean;
}

type Prompts = typeof import("@inquirer/prompts");

const plain = (text: string) => text;

/**
 * Inquirer's look without colour, for when stderr has none (NO_COLOR, --no-color, TERM=dumb):
 * the same symbols and layout, no escape codes but those that move the cursor.
 */
const PLAIN_THEME = {
  prefix: { idle: "?", done: "✔" },
  spinner: { interval: 80, frames: ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"] },
  icon: { checked: "◉", disabledChecked: "◎" },
  style: {
    answer: plain,
    message: plain,
    error: (text: string) => `> ${text}`,
    defaultAnswer: (text: string) => `(${text})`,
    help: plain,
    highlight: plain,
    key: (text: string) => `<${text}>`,
    disabled: plain,
    description: plain,
    keysHelpTip: (keys: [string, string][]) =>
      keys.map(([key, action]) => `${key} ${action}`).join(" • "),
    confirmDefault: (text: string) => {
      const first = text[0] ?? "";
      return first.toLowerCase() === first.toUpperCase()
        ? text
        : first.toUpperCase() + text.slice(1);
    },
  },
};

/**
 * Runs one question on `output`'s terminal, in colour only where `output` has colour.
 * Ctrl-C (or the command being interrupted) ends it with exit 130 and `interrupted` as what
 * happened, e.g. "nothing was sent.".
 */
async function ask<T>(
  output: Output,
  interrupted: string,
  question: (prompts: Prompts, context: object, theme: object | undefined) => Promise<T>,
): Promise<T> {
  const { ctx } = output;
  const prompts = await import("@inquirer/prompts");
  const context = { input: ctx.stdin, output: ctx.stderr, signal: ctx.signal };
  const theme = output.err.level > 0 ? undefined : PLAIN_THEME;
  try {
    return await question(prompts, context, theme);
  } catch (error) {
    const name = (error as Error | undefined)?.name;
    if (name === "ExitPromptError" || name === "AbortPromptError" || ctx.signal.aborted) {
      throw interruptedError(interrupted);
    }
    throw error;
  }
}

export function chooseOne<Value>(
  output: Output,
  interrupted: string,
  message: string,
  choices: Choice<Value>[],
  defaultValue?: Value,
): Promise<Value> {
  return ask(output, interrupted, (prompts, context, theme) =>
    prompts.select({ message, choices, default: defaultValue, loop: false, theme }, context),
  );
}

/** `summary`: the answer shown once picked (`12 photos selected, 48 MB`), not every name. */
export function chooseSome<Value>(
  output: Output,
  interrupted: string,
  message: string,
  choices: Choice<Value>[],
  summary?: (picked: Value[]) => string,
): Promise<Value[]> {
  return ask(output, interrupted, (prompts, context, theme) =>
    prompts.checkbox(
      {
        message,
        theme: summary ? withSummary(theme, summary) : theme,
        choices,
        pageSize: 12,
        loop: false,
        required: true,
        validate: (picked) => picked.length > 0 || "Pick at least one (space), then press enter.",
      },
      context,
    ),
  );
}

function withSummary<Value>(theme: object | undefined, summary: (picked: Value[]) => string) {
  const style = (theme as { style?: object } | undefined)?.style;
  const renderSelectedChoices = (picked: readonly { value: Value }[]) =>
    summary(picked.map((choice) => choice.value));
  return { ...theme, style: { ...style, renderSelectedChoices } };
}

export function askText(
  output: Output,
  interrupted: string,
  message: string,
  options: {
    default?: string;
    validate?: (text: string) => true | string | Promise<true | string>;
  },
): Promise<string> {
  return ask(output, interrupted, (prompts, context, theme) =>
    prompts.input(
      { message, default: options.default, validate: options.validate, required: true, theme },
      context,
    ),
  );
}

export function confirm(
  output: Output,
  interrupted: string,
  message: string,
  defaultValue = true,
): Promise<boolean> {
  return ask(output, interrupted, (prompts, context, theme) =>
    prompts.confirm({ message, default: defaultValue, theme }, context),
  );
}

/** A secret typed twice, never echoed (not even as stars, so its length stays private). */
export async function askSecret(
  output: Output,
  interrupted: string,
  what: string,
): Promise<string> {
  for (;;) {
    const first = await ask(output, interrupted, (prompts, context, theme) =>
      prompts.password(
        {
          message: `${what}:`,
          theme,
          validate: (text) => text.length > 0 || `The ${what.toLowerCase()} can't be empty.`,
        },
        context,
      ),
    );
    const again = await ask(output, interrupted, (prompts, context, theme) =>
      prompts.password({ message: `${what} again:`, theme }, context),
    );
    if (first === again) return first;
    output.prompt("The two didn't match; once more.");
  }
}
