import type { ChalkInstance } from "chalk";
import type { Inspection } from "../../core/inspect.ts";
import type { Category, Finding } from "../../media/scan/index.ts";

const HEADINGS: [Category, string][] = [
  ["location", "Location"],
  ["device", "Device"],
  ["people", "Names"],
  ["dates", "Dates"],
  ["software", "Software"],
  ["text", "Text"],
  ["embedded", "Embedded"],
  ["other", "Other"],
  ["structure", "Structure"],
];

const WIDTH = 11;

/** What one file tells about its sender, and what dmshare would send instead. */
export function inspectionText(inspection: Inspection, style: ChalkInstance): string {
  const size =
    inspection.bytes < 1 << 20
      ? `${Math.max(1, Math.round(inspection.bytes / 1024))} KB`
      : `${(inspection.bytes / 1024 / 1024).toFixed(1)} MB`;
  const lines = [style.bold(`${inspection.file} (${inspection.format}, ${size})`)];
  const { before, after } = inspection;
  if (before.findings.length === 0) {
    lines.push("  Tells nothing about you: no location, device, names, dates or other metadata.");
  } else {
    lines.push("  What it tells about you:");
    lines.push(...findingLines(before.findings, before.location));
  }
  lines.push("  What dmshare would send:");
  if (after.verdict === "refused") {
    lines.push(
      `    ${style.red("refused")}: ${after.reason ?? "the copy still holds metadata"}; \`dmshare send\` stops with exit 2 and uploads nothing.`,
    );
    lines.push(...findingLines(after.findings.filter((finding) => finding.refuse)));
    lines.push("    To send it anyway, with all its metadata: --keep-metadata.");
  } else {
    const notes = after.findings.filter((finding) => !finding.refuse);
    const removed =
      after.removed.length > 0 ? `removed: ${after.removed.join(", ")}` : "nothing to remove";
    lines.push(`    ${style.green("a clean copy")} (${removed}); the picture itself is unchanged.`);
    if (notes.length > 0) {
      lines.push("    Still in the copy (it does not stop a send):");
      lines.push(...findingLines(notes));
    }
  }
  const kept = [...new Set(after.kept.map((item) => item.what))];
  if (kept.length > 0) lines.push(`    Kept, to show it the same way: ${kept.join(", ")}.`);
  return lines.join("\n");
}

/** One line per category: its findings with values, the long tail counted. */
function findingLines(findings: Finding[], location?: Inspection["before"]["location"]): string[] {
  const lines: string[] = [];
  for (const [category, heading] of HEADINGS) {
    const found = findings.filter((finding) => finding.category === category);
    if (found.length === 0) continue;
    const parts: string[] = [];
    if (category === "location" && location) {
      parts.push(`${location.latitude}, ${location.longitude} (${location.precision})`);
    }
    const described = new Map<string, string>();
    for (const finding of found) {
      const text = finding.value ? `${finding.what} "${finding.value}"` : finding.what;
      if (!described.has(text)) described.set(text, finding.where);
    }
    const items = [...described.keys()];
    const limit = category === "other" || category === "structure" ? 4 : 8;
    parts.push(
      items.slice(0, limit).join("; ") +
        (items.length > limit ? `; and ${items.length - limit} more` : ""),
    );
    const places = [
      ...new Set(
        found.map((finding) =>
          finding.where.replace(/ (IFD0|IFD1|Exif IFD|GPS IFD|Interop IFD|SubIFD)$/, ""),
        ),
      ),
    ];
    const where = `in ${places.slice(0, 3).join(", ")}${places.length > 3 ? ", …" : ""}`;
    lines.push(`    ${heading.padEnd(WIDTH)} ${parts.join("; ")} (${where})`);
  }
  return lines;
}
