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

const pad = (n) => String(n).padStart(2, "0");
const localDateTime = (when) =>
  `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())} ${pad(when.getHours())}:${pad(when.getMinutes())}`;

function humanSpan(ms) {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  if (minutes < 1) return "less than a minute";
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  const days = Math.round(hours / 24);
  return `${days} ${days === 1 ? "day" : "days"}`;
}

function statusOf(link, now) {
  if (link.status === "active" && link.expiresAt && Date.parse(link.expiresAt) <= now) {
    return (link.expiryEnforcedBy ?? "provider") === "dmshare" ? "overdue" : "expired";
  }
  return link.status;
}

function expiryColumn(link, status, now) {
  if (!link.expiresAt) return "never";
  const ms = Date.parse(link.expiresAt) - now;
  if (ms > 0) return `expires in ${humanSpan(ms)}`;
  return status === "overdue"
    ? `due ${humanSpan(ms)} ago, not revoked yet`
    : `expired ${humanSpan(ms)} ago`;
}

/** What dmshare does to text from the store: one line, no terminal escapes. */
const plain = (cell) => {
  const flat = /[\t\n\r]/.test(cell) ? cell.replace(/[\t\n\r]/g, " ") : cell;
  return flat.includes("\u001b") ? stripVTControlCharacters(flat) : flat;
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
      localDateTime(new Date(link.createdAt)),
      expiryColumn(link, status, now),
      status,
      plain(link.url ?? ""),
    ].join("\t"),
  )
  .join("\n");
process.stdout.write(`${text}\n`);
