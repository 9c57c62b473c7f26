// Findings in words for people.
import type { Category, Finding } from "./report.ts";

/** How precisely a position pins a place, in words: "to within about 3 m (a house)". */
export function precisionNote(metres: number | undefined): string {
  if (metres === undefined) return "";
  const rounded = metres < 10 ? Math.max(1, Math.round(metres)) : Math.round(metres / 10) * 10;
  const place =
    metres <= 30
      ? "enough to find the building"
      : metres <= 300
        ? "the street or block"
        : metres <= 3000
          ? "the neighbourhood"
          : metres <= 30_000
            ? "the town"
            : "the region";
  return `precise to about ${rounded < 1000 ? `${rounded} m` : `${Math.round(rounded / 1000)} km`}: ${place}`;
}

const CATEGORY_ORDER: Category[] = [
  "location",
  "people",
  "device",
  "dates",
  "software",
  "text",
  "embedded",
  "other",
  "structure",
];

/** The findings in a sentence, most identifying first: "GPS latitude, owner name (in …)". */
export function summariseFindings(findings: Finding[], limit = 6): string {
  const sorted = [...findings].sort(
    (a, b) => CATEGORY_ORDER.indexOf(a.category) - CATEGORY_ORDER.indexOf(b.category),
  );
  const names = [...new Set(sorted.map((finding) => finding.what))];
  const places = [...new Set(sorted.map((finding) => finding.where))];
  const shown = names.slice(0, limit).join(", ");
  const more = names.length > limit ? ` and ${names.length - limit} more` : "";
  const where = places.slice(0, 2).join("; ") + (places.length > 2 ? "; …" : "");
  return `${shown}${more} (in ${where})`;
}
