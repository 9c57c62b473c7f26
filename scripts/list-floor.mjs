// The floor of `dmshare list` (issue 18, budget 2): a bare Node script that does only what
// `list` must do, with nothing of dmshare loaded: read the stored links, keep the ones `list`
// shows, newest first, format one row each and write them all at once. `npm run bench` times
// `dmshare list` against it and checks that both print the same bytes, so the floor is honest.
//
//   DMSHARE_CONFIG_DIR=dir node scripts/list-floor.mjs      # prints what `dmshare list` prints
//
// Plain JavaScript on purpose: a .ts file would make Node load its type stripper first, and
// the floor would be slower than what it measures against.
//
// Only readLinks() knows how links are stored: the ledger database (src/store/ledger-db.ts),
// read with one query, newest first through the index `list` uses too.
import { existsSync } from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { stripVTControlCharacters } from "node:util";

/** The summaries of every usable link, newest first. */
function readLinks(configDir) {
  const file = path.join(configDir, "ledger.db");
  if (!existsSync(file)) return [];
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return db
      .prepare(
        "SELECT id, provider, kind, name, url, status, created_at AS createdAt, expires_at AS expiresAt, expiry_by AS expiryEnforcedBy FROM entries WHERE usable = 1 ORDER BY created_at DESC, seq",
      )
      .all();
  } finally {
    db.close();
  }
}

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z$/;
/** A stored time as RFC 3339 UTC to the second, as piped `list` prints it. */
const rfc3339 = (stored) => {
  if (ISO_UTC.test(stored)) return stored.length === 20 ? stored : `${stored.slice(0, 19)}Z`;
  const time = Date.parse(stored);
  return Number.isNaN(time) ? "" : `${new Date(time).toISOString().slice(0, 19)}Z`;
};

function statusOf(link, now) {
  if (link.status === "active" && link.expiresAt && Date.parse(link.expiresAt) <= now) {
    return (link.expiryEnforcedBy ?? "provider") === "dmshare" ? "overdue" : "expired";
  }
  return link.status;
}

/** What dmshare does to text from the store: one line, no escapes, controls or bidi overrides. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const plain = (cell) => {
  if (!UNSAFE.test(cell)) return cell;
  const visible =
    cell.includes("\u001b") || cell.includes("\u009b") ? stripVTControlCharacters(cell) : cell;
  return visible.replace(/[\t\n\r]/g, " ").replace(CONTROLS, "\uFFFD");
};

const now = Date.now();
const rows = [];
for (const link of readLinks(path.resolve(process.env.DMSHARE_CONFIG_DIR ?? "."))) {
  const status = statusOf(link, now);
  if (status !== "revoked") rows.push({ link, status });
}
// Piped, as the bench runs it: tab-separated, no header, one write.
const text = rows
  .map(({ link, status }) =>
    [
      link.id,
      link.provider,
      link.kind,
      plain(link.name),
      rfc3339(link.createdAt),
      link.expiresAt ? rfc3339(link.expiresAt) : "",
      status,
      plain(link.url ?? ""),
    ].join("\t"),
  )
  .join("\n");
process.stdout.write(`${text}\n`);
