// Checks the shape of src/ (run by `npm run lint`): builds the import graph of every .ts file,
// type-only imports, re-exports and dynamic import() included, and fails on
//   - an import circle,
//   - an arrow running up or sideways between layers:
//       entry (main.ts) → cli → core → (providers → store), media, ui → lib (src/*.ts, src/lib/)
//     a file may import its own layer or a layer below it (BELOW); store, media and ui, side
//     by side, never import each other, and providers never import ui;
//   - a source file over 450 lines.
// Prints each offender; exits 1 when there is any.
//
//   node scripts/check-layers.ts [ROOT]      (ROOT: the folder holding src/, default the repo)
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

export const MAX_FILE_LINES = 450;

export interface Problem {
  kind: "cycle" | "upward" | "long-file";
  /** The file the problem is reported against (a circle: its first file), relative to src/. */
  file: string;
  text: string;
}

type Layer = "entry" | "cli" | "core" | "providers" | "store" | "media" | "ui" | "lib";

const LAYERS: readonly Layer[] = [
  "entry",
  "cli",
  "core",
  "providers",
  "store",
  "media",
  "ui",
  "lib",
];

/** What each layer may import besides itself: only what lies below it. */
const BELOW: Record<Layer, readonly Layer[]> = {
  entry: ["cli", "core", "providers", "store", "media", "ui", "lib"],
  cli: ["core", "providers", "store", "media", "ui", "lib"],
  core: ["providers", "store", "media", "ui", "lib"],
  // Providers keep credentials in the store; they never print (ui) nor use core or cli.
  providers: ["store", "lib"],
  store: ["lib"],
  media: ["lib"],
  ui: ["lib"],
  lib: [],
};

/** The layer of a file, from its path relative to src/. */
function layerOf(file: string): Layer {
  if (file === "main.ts") return "entry";
  const [top, ...rest] = file.split("/");
  if (rest.length === 0) return "lib";
  const layer = LAYERS.find((name) => name === top && name !== "entry");
  return layer ?? "lib";
}

const mayImport = (from: Layer, to: Layer) => from === to || BELOW[from].includes(to);

async function sourceFiles(src: string): Promise<string[]> {
  const entries = await readdir(src, { recursive: true, withFileTypes: true });
  return entries
    .filter(
      (entry) => entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts"),
    )
    .map((entry) =>
      path.relative(src, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"),
    )
    .sort();
}

/** The files of src/ that `file` imports (relative specifiers only: packages are not layers). */
function importsOf(file: string, text: string, known: Set<string>): string[] {
  const found = new Set<string>();
  for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
    if (!fileName.startsWith(".")) continue;
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), fileName));
    for (const candidate of [target, `${target}.ts`, `${target}/index.ts`]) {
      if (known.has(candidate)) {
        found.add(candidate);
        break;
      }
    }
  }
  return [...found].sort();
}

/** Strongly connected components with more than one file (or a file importing itself). */
function circles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node) as number);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) as number, index.get(next) as number));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const members: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop() as string;
      onStack.delete(member);
      members.push(member);
    } while (member !== node);
    if (members.length > 1 || graph.get(node)?.includes(node)) found.push(members.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

/** The shortest way round a circle, from its first file back to it. */
function wayRound(members: string[], graph: Map<string, string[]>): string[] {
  const inside = new Set(members);
  const start = members[0] as string;
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift() as string;
    for (const next of graph.get(node) ?? []) {
      if (!inside.has(next)) continue;
      if (next === start) {
        const way = [start];
        for (let at: string | undefined = node; at !== undefined && at !== start; ) {
          way.unshift(at);
          at = cameFrom.get(at);
        }
        return [start, ...way];
      }
      if (!cameFrom.has(next)) {
        cameFrom.set(next, node);
        queue.push(next);
      }
    }
  }
  return members;
}

const allowed = (file: string, allow: readonly string[]) =>
  allow.some((entry) => (entry.endsWith("/") ? file.startsWith(entry) : file === entry));

/** Everything wrong with the shape of `root`/src, sorted by file. */
export async function checkLayers(
  root: string,
  options: { allow?: readonly string[]; maxLines?: number } = {},
): Promise<Problem[]> {
  const { allow = [], maxLines = MAX_FILE_LINES } = options;
  const src = path.join(root, "src");
  const files = await sourceFiles(src);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  const problems: Problem[] = [];
  for (const file of files) {
    const text = await readFile(path.join(src, file), "utf8");
    const imports = importsOf(file, text, known);
    graph.set(file, imports);
    const lineCount = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
    if (lineCount > maxLines && !allowed(file, allow)) {
      const what = `${file} has ${lineCount} lines (at most ${maxLines})`;
      problems.push({ kind: "long-file", file, text: what });
    }
    if (allowed(file, allow)) continue;
    for (const target of imports) {
      const [from, to] = [layerOf(file), layerOf(target)];
      if (mayImport(from, to)) continue;
      const text = `${file} imports ${target} (${from} may not import ${to})`;
      problems.push({ kind: "upward", file, text });
    }
  }
  for (const members of circles(graph)) {
    if (members.every((file) => allowed(file, allow))) continue;
    const way = wayRound(members, graph);
    problems.push({ kind: "cycle", file: way[0] as string, text: way.join(" → ") });
  }
  return problems.sort((a, b) => a.file.localeCompare(b.file) || a.text.localeCompare(b.text));
}

const LABELS: Record<Problem["kind"], string> = {
  cycle: "import circle",
  upward: "import against the layers",
  "long-file": "file too long",
};

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(
    process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), ".."),
  );
  const problems = await checkLayers(root);
  for (const problem of problems) console.error(`✖ ${LABELS[problem.kind]}: ${problem.text}`);
  if (problems.length > 0) {
    console.error(
      `\n${problems.length} problem(s) in the shape of src/: move shared types and values down to ` +
        "the lower module or src/lib/, split long files (see scripts/check-layers.ts).",
    );
    process.exit(1);
  }
  console.log(
    `src/: no import circles, no arrows against the layers, no file over ${MAX_FILE_LINES} lines.`,
  );
}
