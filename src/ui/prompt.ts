import type { Ctx } from "../context.ts";

/** Reads one line from stdin after showing `question` on stderr (works when piped too). */
export async function readLine(ctx: Ctx, question: string): Promise<string> {
  const { createInterface } = await import("node:readline/promises");
  const reader = createInterface({
    input: ctx.stdin,
    output: ctx.stderr,
    terminal: Boolean(ctx.stdin.isTTY),
  });
  try {
    // An input that ends before a line arrives answers "" instead of hanging.
    const ended = new Promise<string>((resolve) => reader.once("close", () => resolve("")));
    return await Promise.race([reader.question(question, { signal: ctx.signal }), ended]);
  } finally {
    reader.close();
  }
}

/** All of stdin as text (for `send -` and `--token -`). */
export async function readAll(ctx: Ctx): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}
