import { DmshareError } from "../errors.ts";
import type { LinkIdentity } from "../providers/link-identity.ts";
import type { RemoteItem } from "../providers/provider.ts";
import { readTextIfExists, writeFileAtomic } from "./files.ts";
import { type LinkSummary, readLedgerIndex, summaryOf, writeLedgerIndex } from "./ledger-index.ts";
import { withFileLock } from "./lock.ts";

export type LinkKind = "photo" | "album";
export type ExpiryEnforcer = "provider" | "dmshare";
/**
 * `pending`: the intent is recorded, the link may or may not exist yet. `needs-sharing`: the
 * upload is done but the provider lets only its own app share it (Google Photos).
 */
export type StoredStatus = "pending" | "active" | "revoked" | "needs-sharing";

export interface LedgerFile {
  path: string;
  remotePath: string | null;
  remoteId: string | null;
  bytes: number;
}

export interface LedgerEntry {
  id: string;
  provider: string;
  kind: LinkKind;
  name: string;
  url: string | null;
  message: string | null;
  /** The shared file or folder; null until it exists remotely. */
  target: RemoteItem | null;
  files: LedgerFile[];
  createdAt: string;
  expiresAt: string | null;
  /**
   * Who stops the link at `expiresAt`: the provider itself, or dmshare (`dmshare prune`),
   * where the provider or plan has no expiry. Absent in entries from before it existed,
   * which could only have the provider's.
   */
  expiryEnforcedBy?: ExpiryEnforcer;
  revokedAt: string | null;
  status: StoredStatus;
  /** SHA-256 over what was uploaded, so the same photos sent again can reuse the link. */
  contentHash?: string;
  noDownload?: boolean;
  /** The link asks for a password (the password itself is never stored). */
  passwordProtected?: boolean;
  /** When `dmshare sync` found this link at the provider and added it to the ledger. */
  adoptedAt?: string;
  /**
   * What the provider identifies the link by (its id, rlkey, permission, the item's id), which
   * every comparison uses, never the URL text. Absent in entries from before it existed: it
   * is then derived from `url` and `target` (core/link-match.ts).
   */
  link?: LinkIdentity;
}

interface LedgerDocument {
  version: 1;
  entries: LedgerEntry[];
}

const STORED_STATUSES: readonly string[] = ["pending", "active", "revoked", "needs-sharing"];

function isLedgerEntry(value: unknown): value is LedgerEntry {
  const entry = value as Partial<LedgerEntry> | null;
  return (
    typeof entry === "object" &&
    entry !== null &&
    typeof entry.id === "string" &&
    typeof entry.provider === "string" &&
    typeof entry.name === "string" &&
    typeof entry.createdAt === "string" &&
    STORED_STATUSES.includes(entry.status as string) &&
    Array.isArray(entry.files)
  );
}

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

  constructor(file: string) {
    this.file = file;
  }

  async entries(): Promise<LedgerEntry[]> {
    return (await this.load()).entries;
  }

  /**
   * What `list` shows of every entry, from the index kept beside the ledger (parsing all of a
   * ledger of 10 000 links took most of `list`'s time), or from the ledger when the index is
   * missing or out of date.
   */
  async summaries(): Promise<LinkSummary[]> {
    return (await readLedgerIndex(this.file)) ?? (await this.entries()).map(summaryOf);
  }

  /** Applies `change` to the current entries and saves them (and the index), under the lock. */
  async update<T>(change: (entries: LedgerEntry[]) => T): Promise<T> {
    return withFileLock(`${this.file}.lock`, async () => {
      const document = await this.load();
      const result = change(document.entries);
      await writeFileAtomic(this.file, `${JSON.stringify(document, null, 1)}\n`);
      await writeLedgerIndex(this.file, document.entries);
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

  private async load(): Promise<LedgerDocument> {
    const text = await readTextIfExists(this.file);
    if (text === null) return { version: 1, entries: [] };
    let document: LedgerDocument | undefined;
    try {
      document = JSON.parse(text) as LedgerDocument;
    } catch {
      throw this.corrupt("it is not valid JSON");
    }
    if (document?.version !== 1 || !Array.isArray(document.entries)) {
      throw this.corrupt("it is not a dmshare ledger (version 1 with a list of entries)");
    }
    const bad = document.entries.findIndex((entry) => !isLedgerEntry(entry));
    if (bad >= 0) throw this.corrupt(`entry ${bad + 1} is not a link record`);
    return document;
  }

  private corrupt(reason: string) {
    return new DmshareError("unexpected", `The link ledger ${this.file} is corrupt: ${reason}.`, {
      hint:
        `dmshare will not overwrite it. Move it aside and start a new one:\n` +
        `  mv '${this.file}' '${this.file}.corrupt'\n` +
        `The links it listed keep working; revoke them from your provider's website, or repair the JSON and move it back.`,
    });
  }
}
