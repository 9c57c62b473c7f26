import { DmshareError } from "../errors.ts";
import { readTextIfExists, writeFileAtomic } from "./files.ts";
import type { LedgerEntry, SkippedEntry } from "./ledger-entry.ts";
import { type LinkSummary, readLedgerIndex, summaryOf, writeLedgerIndex } from "./ledger-index.ts";
import { withFileLock } from "./lock.ts";
import { isPendingOwner } from "./owner.ts";

// The record types live in ./ledger-entry.ts (ledger-index.ts needs them without this module).
export type {
  ExpiryEnforcer,
  LedgerEntry,
  LedgerFile,
  LinkKind,
  SkippedEntry,
  StoredStatus,
} from "./ledger-entry.ts";

interface LedgerDocument {
  version: 1;
  entries: LedgerEntry[];
}

/** The ledger as read: the entries dmshare can use, and those it can't, kept as they are. */
interface LoadedLedger extends LedgerDocument {
  unusable: { raw: unknown; skipped: SkippedEntry }[];
}

export interface LedgerOptions {
  /** Told about entries that are skipped because they are not valid link records. */
  onSkipped?: (skipped: SkippedEntry[]) => void;
  /** Run once before the ledger file is first read or written (e.g. to make its folder private). */
  beforeUse?: () => Promise<void>;
}

const STORED_STATUSES: readonly string[] = ["pending", "active", "revoked", "needs-sharing"];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const isString = (value: unknown) => typeof value === "string";
const isStringOrNull = (value: unknown) =>
  value === null || value === undefined || typeof value === "string";

/**
 * What is wrong with `value` as a ledger entry, or null when dmshare can use it. Only what
 * the code relies on is checked: fields it does not know (added by a later version) are
 * fine, and so are optional fields that are absent.
 */
export function entryProblem(value: unknown): string | null {
  if (!isObject(value)) return "it is not an object";
  const wrong = (field: string, expected: string) =>
    `"${field}" is ${JSON.stringify(value[field]) ?? "missing"}, not ${expected}`;
  if (!isString(value.id) || value.id === "") return wrong("id", "a text");
  if (!isString(value.provider)) return wrong("provider", "a provider name");
  if (value.kind !== "photo" && value.kind !== "album") return wrong("kind", '"photo" or "album"');
  if (!isString(value.name)) return wrong("name", "a text");
  if (!STORED_STATUSES.includes(value.status as string)) {
    return wrong("status", STORED_STATUSES.map((status) => `"${status}"`).join(", "));
  }
  if (!isString(value.createdAt) || Number.isNaN(Date.parse(value.createdAt as string))) {
    return wrong("createdAt", "a date");
  }
  for (const field of ["url", "message", "expiresAt", "revokedAt"]) {
    if (!isStringOrNull(value[field])) return wrong(field, "a text or null");
  }
  for (const field of ["expiresAt", "revokedAt"]) {
    if (isString(value[field]) && Number.isNaN(Date.parse(value[field] as string))) {
      return wrong(field, "a date");
    }
  }
  const { target } = value;
  if (target !== null && target !== undefined) {
    if (!isObject(target) || !isString(target.remotePath) || !isString(target.remoteId)) {
      return wrong("target", "a remote item (remotePath, remoteId) or null");
    }
  }
  if (!Array.isArray(value.files)) return wrong("files", "a list");
  for (const file of value.files) {
    if (
      !isObject(file) ||
      !isString(file.path) ||
      typeof file.bytes !== "number" ||
      !isStringOrNull(file.remotePath) ||
      !isStringOrNull(file.remoteId)
    ) {
      return `"files" holds ${JSON.stringify(file)}, not a file record (path, bytes, remotePath, remoteId)`;
    }
  }
  const optional: [string, (field: unknown) => boolean, string][] = [
    [
      "expiryEnforcedBy",
      (field) => field === "provider" || field === "dmshare",
      '"provider" or "dmshare"',
    ],
    ["contentHash", isString, "a text"],
    ["adoptedAt", isString, "a date"],
    ["noDownload", (field) => typeof field === "boolean", "true or false"],
    ["passwordProtected", (field) => typeof field === "boolean", "true or false"],
    ["owner", isPendingOwner, "a process (pid, host, heartbeatAt)"],
  ];
  for (const [field, valid, expected] of optional) {
    if (value[field] !== undefined && !valid(value[field])) return wrong(field, expected);
  }
  return null;
}

/** The id of an entry, valid or not; "" when it has none. */
const idOf = (raw: unknown) => (isObject(raw) && isString(raw.id) ? String(raw.id) : "");

const ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/** Short ids that are easy to type: 8 characters of Crockford-style base32. */
export function newLinkId(): string {
  // Web Crypto's global: importing node:crypto would cost every command start-up time.
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (byte) => ID_ALPHABET[byte % 32]).join("");
}

/**
 * The record of every link dmshare made (DESIGN.md §4). One JSON file, replaced atomically
 * under a lock file, so concurrent processes lose nothing and a kill -9 tears nothing.
 */
export class Ledger {
  readonly file: string;
  private readonly onSkipped: ((skipped: SkippedEntry[]) => void) | undefined;
  private readonly beforeUse: (() => Promise<void>) | undefined;
  private used: Promise<void> | undefined;

  constructor(file: string, options: LedgerOptions = {}) {
    this.file = file;
    this.onSkipped = options.onSkipped;
    this.beforeUse = options.beforeUse;
  }

  private ready(): Promise<void> {
    this.used ??= this.beforeUse?.() ?? Promise.resolve();
    return this.used;
  }

  /** The usable entries; any others are reported through `onSkipped` and left out. */
  async entries(): Promise<LedgerEntry[]> {
    await this.ready();
    return (await this.load()).entries;
  }

  /**
   * What `list` shows of every entry, from the index kept beside the ledger (parsing all of a
   * ledger of 10 000 links took most of `list`'s time), or from the ledger when the index is
   * missing or out of date.
   */
  async summaries(): Promise<LinkSummary[]> {
    await this.ready();
    const indexed = await readLedgerIndex(this.file);
    if (!indexed) return (await this.entries()).map(summaryOf);
    this.report(indexed.skipped);
    return indexed.links;
  }

  /** Applies `change` to the current entries and saves them (and the index), under the lock. */
  async update<T>(change: (entries: LedgerEntry[]) => T): Promise<T> {
    await this.ready();
    return withFileLock(`${this.file}.lock`, async () => {
      const document = await this.load();
      const result = change(document.entries);
      // Entries dmshare can't use are written back as they were, never dropped.
      const saved = {
        version: document.version,
        entries: [...document.entries, ...document.unusable.map(({ raw }) => raw)],
      };
      await writeFileAtomic(this.file, `${JSON.stringify(saved, null, 1)}\n`);
      // Positions as saved, for entries without an id of their own.
      const skipped = document.unusable.map(({ raw, skipped }, index) =>
        idOf(raw) ? skipped : { ...skipped, id: `entry ${document.entries.length + index + 1}` },
      );
      await writeLedgerIndex(this.file, document.entries, skipped);
      return result;
    });
  }

  add(entry: LedgerEntry): Promise<void> {
    return this.update((entries) => {
      entries.push(entry);
    });
  }

  /** Merges `changes` into the entry with `id`; returns the entry as saved. */
  async patch(id: string, changes: Partial<Omit<LedgerEntry, "id">>): Promise<LedgerEntry> {
    return (await this.patchIf(id, changes, () => true)) as LedgerEntry;
  }

  /**
   * Like patch, unless the entry was revoked meanwhile (`dmshare revoke` in another process
   * while a send was still making the link): then nothing changes and the result is undefined.
   */
  patchUnlessRevoked(
    id: string,
    changes: Partial<Omit<LedgerEntry, "id">>,
  ): Promise<LedgerEntry | undefined> {
    return this.patchIf(id, changes, (entry) => entry.status !== "revoked");
  }

  private patchIf(
    id: string,
    changes: Partial<Omit<LedgerEntry, "id">>,
    wanted: (entry: LedgerEntry) => boolean,
  ): Promise<LedgerEntry | undefined> {
    return this.update((entries) => {
      const entry = entries.find((candidate) => candidate.id === id);
      if (!entry) throw new Error(`Ledger entry ${id} disappeared from ${this.file}.`);
      if (!wanted(entry)) return undefined;
      Object.assign(entry, changes);
      return { ...entry };
    });
  }

  remove(id: string): Promise<void> {
    return this.update((entries) => {
      const index = entries.findIndex((entry) => entry.id === id);
      if (index >= 0) entries.splice(index, 1);
    });
  }

  private async load(): Promise<LoadedLedger> {
    const text = await readTextIfExists(this.file);
    if (text === null) return { version: 1, entries: [], unusable: [] };
    let document: { version?: unknown; entries?: unknown } | undefined;
    try {
      document = JSON.parse(text) as LedgerDocument;
    } catch {
      throw this.corrupt("it is not valid JSON");
    }
    if (document?.version !== 1 || !Array.isArray(document.entries)) {
      throw this.corrupt("it is not a dmshare ledger (version 1 with a list of entries)");
    }
    const loaded: LoadedLedger = { version: 1, entries: [], unusable: [] };
    document.entries.forEach((raw: unknown, index) => {
      const reason = entryProblem(raw);
      if (reason === null) {
        loaded.entries.push(raw as LedgerEntry);
        return;
      }
      loaded.unusable.push({ raw, skipped: { id: idOf(raw) || `entry ${index + 1}`, reason } });
    });
    this.report(loaded.unusable.map((bad) => bad.skipped));
    return loaded;
  }

  private report(skipped: SkippedEntry[]) {
    if (skipped.length > 0) this.onSkipped?.(skipped);
  }

  private corrupt(reason: string) {
    // Not a bug in dmshare: a hand edit, a restore, a disk fault. The user's to repair (exit 2).
    return new DmshareError("usage", `The link ledger ${this.file} is corrupt: ${reason}.`, {
      hint:
        `dmshare will not overwrite it. Move it aside and start a new one:\n` +
        `  mv '${this.file}' '${this.file}.corrupt'\n` +
        `The links it listed keep working; revoke them from your provider's website, or repair the JSON and move it back.`,
    });
  }
}
