// "Did you mean …?" for every closed set of values dmshare takes (providers, presets, list
// statuses, settings, shells, help topics…), with the same rule commander uses for commands
// and options, so a typo in a value is answered as one in a command is.

const MAX_DISTANCE = 3;
const MIN_SIMILARITY = 0.4;

/** Optimal string alignment distance (Damerau–Levenshtein without repeated edits). */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > MAX_DISTANCE) return Math.max(a.length, b.length);
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d[i] = [i];
  const first = d[0] as number[];
  for (let j = 0; j <= b.length; j++) first[j] = j;
  for (let j = 1; j <= b.length; j++) {
    for (let i = 1; i <= a.length; i++) {
      const row = d[i] as number[];
      const above = d[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (above[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (above[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = best;
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/**
 * The candidates closest to `word` (case-insensitive), all at the same smallest distance, in
 * the order given; none when nothing is close enough to be a typo of it.
 */
export function similarTo(word: string, candidates: readonly string[]): string[] {
  const wanted = word.trim().toLowerCase();
  if (!wanted) return [];
  let best = MAX_DISTANCE;
  let similar: string[] = [];
  for (const candidate of new Set(candidates)) {
    if (candidate.length <= 1) continue;
    const distance = editDistance(wanted, candidate.toLowerCase());
    const length = Math.max(wanted.length, candidate.length);
    if ((length - distance) / length <= MIN_SIMILARITY) continue;
    if (distance < best) {
      best = distance;
      similar = [candidate];
    } else if (distance === best) similar.push(candidate);
  }
  return similar;
}

/** "Did you mean dropbox? " (or "Did you mean one of a, b? "), or "" when nothing is close. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const similar = similarTo(word, candidates);
  if (similar.length === 0) return "";
  const [only] = similar;
  return similar.length === 1
    ? `Did you mean ${only}? `
    : `Did you mean one of ${similar.join(", ")}? `;
}
