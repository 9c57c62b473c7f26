import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

/** Every .ts file under src/, as text: for tests that check what the code says or reads. */
export async function sourceTexts(
  dir = path.join(import.meta.dirname, "../../src"),
): Promise<string[]> {
  const texts: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) texts.push(...(await sourceTexts(file)));
    else if (entry.name.endsWith(".ts")) texts.push(await readFile(file, "utf8"));
  }
  return texts;
}
