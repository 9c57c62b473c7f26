import type { Ctx } from "../context.ts";
import { interruptedError } from "../lib/errors.ts";

/**
 * Reads one line from stdin after showing `question` on stderr (works when piped too).
 * Ctrl-C ends it with exit 130 and `interrupted` as what happened.
 */
export async function readLine(
  ctx: Ctx,
  question: string,
  interrupted = "nothing was changed.",
): Promise<string> {
  const { createInterface } = await import("node:readline/promises");
  const reader = createInterface({
    input: ctx.stdin,
    output: ctx.stderr,
    terminal: Boolean(ctx.stdin.isTTY),
  });
  // At a terminal readline reads keys raw, so ^C reaches it as a key, not as SIGINT: it is
  // made the signal the terminal would have sent, so Ctrl-C interrupts (exit 130) here too
  // instead of answering "no".
  reader.on("SIGINT", () => ctx.system.interrupt());
  try {
    // An input that ends before a line arrives answers "" instead of hanging.
    const ended = new Promise<string>((resolve) => reader.once("close", () => resolve("")));
    return await Promise.race([reader.question(question, { signal: ctx.signal }), ended]);
  } catch (error) {
    if (ctx.signal.aborted) throw interruptedError(interrupted);
    throw error;
  } finally {
    reader.close();
  }
}

/**
 * All of stdin as text (for `send -` and `--token -`). Ctrl-C stops the wait (a person typing
 * at a terminal would otherwise be stuck) with `interrupted` as what happened.
 */
export async function readAll(ctx: Ctx, interrupted = "nothing was read."): Promise<string> {
  const { stdin, signal } = ctx;
  if (signal.aborted) throw interruptedError(interrupted);
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer | string) => chunks.push(Buffer.from(chunk));
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks).toString("utf8"));
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    const onAbort = () => {
      stop();
      // Stop reading, so the terminal does not keep dmshare waiting for a line.
      stdin.pause();
      reject(interruptedError(interrupted));
    };
    const stop = () => {
      stdin.off("data", onData).off("end", onEnd).off("error", onError);
      signal.removeEventListener("abort", onAbort);
    };
    stdin.on("data", onData).once("end", onEnd).once("error", onError);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
