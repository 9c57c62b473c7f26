// The emulated Dropbox namespace: a tree of folders and files with Dropbox's path rules
// (case-insensitive lookup, case-preserving display), ids, revs, content hashes, conflict and
// autorename rules, and the metadata JSON the API returns for them.

import { createHash, randomBytes } from "node:crypto";
import type { CommitInfo } from "./dropbox-args.ts";
import { formatTimestamp, type Json, union } from "./dropbox-wire.ts";

export interface FolderNode {
  kind: "folder";
  id: string;
  name: string;
  parent: FolderNode | null;
  children: Map<string, StoreNode>;
}

export interface FileNode {
  kind: "file";
  id: string;
  name: string;
  parent: FolderNode;
  content: FileContent;
  contentHash: string;
  rev: string;
  clientModified: string;
  serverModified: string;
}

export type StoreNode = FolderNode | FileNode;

/** A failed lookup: `error` is a files.LookupError value. */
export class LookupFailure extends Error {
  readonly tags: string[];
  readonly error: Json;

  constructor(tag: "not_found" | "malformed_path") {
    super(tag);
    this.tags = [tag];
    this.error = union(tag);
  }
}

/** A failed write: `error` is a files.WriteError value. */
export class WriteFailure extends Error {
  readonly tags: string[];
  readonly error: Json;

  constructor(tag: "malformed_path" | "disallowed_name" | "no_write_permission");
  constructor(tag: "conflict", conflict: "file" | "folder" | "file_ancestor");
  constructor(tag: string, conflict?: string) {
    super(tag);
    this.tags = conflict ? [tag, conflict] : [tag];
    this.error = conflict ? union(tag, union(conflict)) : union(tag);
  }
}

const BLOCK_SIZE = 4 * 1024 * 1024;
/** Names Dropbox refuses to store (it ignores them when syncing). */
const DISALLOWED_NAMES = new Set(["desktop.ini", "thumbs.db", ".ds_store", "icon\r", ".dropbox"]);

/** SHA-256 of each 4 MiB block, concatenated, hashed again (the Dropbox content_hash). */
export function dropboxContentHash(content: Buffer): string {
  return new FileContent([content]).contentHash();
}

/** Digests of a received piece's 4 MiB blocks, the last one perhaps short (see hashSoon). */
const pieceDigests = new WeakMap<Buffer, Buffer[]>();

/**
 * Hashes a piece of an upload session a block at a time soon after it arrived, yielding to
 * other requests between blocks, as Dropbox's block store keys blocks by their SHA-256 as they
 * come: a commit then joins digests instead of hashing every byte at once (the 90 ms of a
 * 40-photo album's finish_batch_v2, 0.7 s of a 1 GiB file's finish), time that npm run bench
 * would count as dmshare's.
 */
export function hashSoon(piece: Buffer): void {
  if (piece.length === 0 || pieceDigests.has(piece)) return;
  const digests: Buffer[] = [];
  pieceDigests.set(piece, digests);
  const next = () => {
    const at = digests.length * BLOCK_SIZE;
    if (at >= piece.length) return;
    digests.push(
      createHash("sha256")
        .update(piece.subarray(at, at + BLOCK_SIZE))
        .digest(),
    );
    setImmediate(next);
  };
  setImmediate(next);
}

/**
 * A file's bytes, kept in the pieces they arrived in and joined only when read: joining a
 * 1 GB upload into one buffer takes seconds, which npm run bench would count as dmshare's.
 */
export class FileContent {
  readonly size: number;
  private pieces: Buffer[];

  constructor(pieces: Buffer[]) {
    this.pieces = pieces;
    this.size = pieces.reduce((total, piece) => total + piece.length, 0);
  }

  get bytes(): Buffer {
    if (this.pieces.length !== 1) this.pieces = [Buffer.concat(this.pieces, this.size)];
    return this.pieces[0] as Buffer;
  }

  contentHash(): string {
    const blockDigests: Buffer[] = [];
    let block = createHash("sha256");
    let filled = 0;
    for (const [index, piece] of this.pieces.entries()) {
      let at = 0;
      if (filled === 0) {
        // Blocks hashed as the piece arrived; a short last block only where it ends the file.
        const ends = index === this.pieces.length - 1;
        const ready = (pieceDigests.get(piece) ?? []).filter(
          (_, block) => ends || (block + 1) * BLOCK_SIZE <= piece.length,
        );
        blockDigests.push(...ready);
        at = Math.min(piece.length, ready.length * BLOCK_SIZE);
      }
      while (at < piece.length) {
        const take = Math.min(BLOCK_SIZE - filled, piece.length - at);
        block.update(piece.subarray(at, at + take));
        filled += take;
        at += take;
        if (filled === BLOCK_SIZE) {
          blockDigests.push(block.digest());
          block = createHash("sha256");
          filled = 0;
        }
      }
    }
    if (filled > 0) blockDigests.push(block.digest());
    return createHash("sha256").update(Buffer.concat(blockDigests)).digest("hex");
  }
}

export function displayPath(node: StoreNode): string {
  return node.parent === null ? "" : `${displayPath(node.parent)}/${node.name}`;
}

export function lowerPath(node: StoreNode): string {
  return displayPath(node).toLowerCase();
}

const key = (name: string) => name.toLowerCase();

/** `photo.jpg` → `photo (1).jpg`, `album` → `album (1)`. */
function withSuffix(name: string, suffix: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? `${name.slice(0, dot)} (${suffix})${name.slice(dot)}` : `${name} (${suffix})`;
}

const numbered = (n: number) => String(n);
const conflictedCopy = (n: number) => (n === 1 ? "conflicted copy" : `conflicted copy ${n}`);

/** The first autorename candidate not taken in the folder. */
function freeName(parent: FolderNode | undefined, name: string, suffix: (n: number) => string) {
  for (let n = 1; ; n++) {
    const candidate = withSuffix(name, suffix(n));
    if (!parent?.children.has(key(candidate))) return candidate;
  }
}

type ParsedPath = { kind: "path"; components: string[] } | { kind: "node"; node: StoreNode };

export class FileStore {
  readonly root: FolderNode;
  readonly rootNamespaceId: string;
  private readonly now: () => number;
  private readonly byId = new Map<string, StoreNode>();
  /** path_lower → path_display of entries that were deleted, for include_deleted. */
  private readonly deleted = new Map<string, string>();
  private revCounter = 0;

  constructor(now: () => number, rootNamespaceId: string) {
    this.now = now;
    this.rootNamespaceId = rootNamespaceId;
    this.root = { kind: "folder", id: this.newId(), name: "", parent: null, children: new Map() };
  }

  getById(id: string): StoreNode | undefined {
    return this.byId.get(id);
  }

  /** Every file and folder below the root, depth first. */
  *entries(folder: FolderNode = this.root): Generator<StoreNode> {
    for (const child of folder.children.values()) {
      yield child;
      if (child.kind === "folder") yield* this.entries(child);
    }
  }

  /** Resolves a ReadPath (`/a/b`, `id:…`, `rev:…`, `ns:…/a`); throws LookupFailure. */
  lookup(path: string): StoreNode {
    const parsed = this.parse(path, (reason) => new LookupFailure(reason));
    if (parsed.kind === "node") return parsed.node;
    let node: StoreNode = this.root;
    for (const component of parsed.components) {
      const child: StoreNode | undefined =
        node.kind === "folder" ? node.children.get(key(component)) : undefined;
      if (!child) throw new LookupFailure("not_found");
      node = child;
    }
    return node;
  }

  /** The deleted entry at a path, as `include_deleted` reports it. */
  deletedAt(path: string): string | undefined {
    return this.deleted.get(path.toLowerCase());
  }

  /**
   * Writes a file as files/upload and upload_session/finish do; returns the file written, or the
   * existing one when it already holds identical content. Throws WriteFailure.
   */
  commitFile(commit: CommitInfo, content: FileContent): FileNode {
    const contentHash = content.contentHash();
    const components = this.writeComponents(commit.path);
    const { parent, existing } = this.locate(components);
    const name = components.at(-1) as string;
    const strict = commit.strict_conflict;

    let conflict: "file" | "folder" | undefined;
    let renamed = numbered;
    if (existing?.kind === "folder") {
      conflict = "folder";
    } else if (existing?.kind === "file") {
      if (existing.contentHash === contentHash && !strict) return existing;
      if (commit.mode.tag === "add") conflict = "file";
      if (commit.mode.tag === "update" && commit.mode.value !== existing.rev) {
        conflict = "file";
        renamed = conflictedCopy;
      }
    } else if (commit.mode.tag === "update" && strict) {
      conflict = "file";
      renamed = conflictedCopy;
    }

    if (conflict === undefined && existing?.kind === "file") {
      this.overwrite(existing, content, contentHash, commit.client_modified);
      return existing;
    }
    let fileName = name;
    if (conflict !== undefined) {
      if (!commit.autorename) throw new WriteFailure("conflict", conflict);
      fileName = freeName(parent, name, renamed);
    }
    const folder = parent ?? this.createFolders(components.slice(0, -1));
    const file: FileNode = {
      kind: "file",
      id: this.newId(),
      name: fileName,
      parent: folder,
      content,
      contentHash,
      rev: "",
      clientModified: "",
      serverModified: "",
    };
    this.overwrite(file, content, contentHash, commit.client_modified);
    this.attach(file);
    return file;
  }

  /** files/create_folder_v2; throws WriteFailure. */
  createFolder(path: string, autorename: boolean): FolderNode {
    const components = this.writeComponents(path);
    const { parent, existing } = this.locate(components);
    const name = components.at(-1) as string;
    let folderName = name;
    if (existing) {
      if (!autorename) throw new WriteFailure("conflict", existing.kind);
      folderName = freeName(parent, name, numbered);
    }
    const folder: FolderNode = {
      kind: "folder",
      id: this.newId(),
      name: folderName,
      parent: parent ?? this.createFolders(components.slice(0, -1)),
      children: new Map(),
    };
    this.attach(folder);
    return folder;
  }

  /** Removes a file or a folder with everything below it; returns the removed node. */
  delete(path: string): StoreNode {
    const node = this.lookup(path);
    if (node.parent === null) throw new LookupFailure("malformed_path");
    const removed = [node, ...(node.kind === "folder" ? this.entries(node) : [])];
    for (const entry of removed) this.deleted.set(lowerPath(entry), displayPath(entry));
    for (const entry of removed) this.byId.delete(entry.id);
    node.parent.children.delete(key(node.name));
    return node;
  }

  fileMetadata(file: FileNode): { [key: string]: Json } {
    return {
      name: file.name,
      path_lower: lowerPath(file),
      path_display: displayPath(file),
      id: file.id,
      client_modified: file.clientModified,
      server_modified: file.serverModified,
      rev: file.rev,
      size: file.content.size,
      is_downloadable: true,
      content_hash: file.contentHash,
    };
  }

  folderMetadata(folder: FolderNode): { [key: string]: Json } {
    return {
      name: folder.name,
      path_lower: lowerPath(folder),
      path_display: displayPath(folder),
      id: folder.id,
    };
  }

  /** Metadata as the polymorphic `Metadata` type: with its `.tag`. */
  taggedMetadata(node: StoreNode): { [key: string]: Json } {
    const fields = node.kind === "file" ? this.fileMetadata(node) : this.folderMetadata(node);
    return { ".tag": node.kind, ...fields };
  }

  private parse(path: string, fail: (reason: "malformed_path" | "not_found") => Error): ParsedPath {
    if (path.startsWith("id:")) {
      const node = this.byId.get(path);
      if (!node) throw fail("not_found");
      return { kind: "node", node };
    }
    if (path.startsWith("rev:")) {
      const rev = path.slice(4);
      const file = [...this.entries()].find((node) => node.kind === "file" && node.rev === rev);
      if (!file) throw fail("not_found");
      return { kind: "node", node: file };
    }
    let relative = path;
    if (path.startsWith("ns:")) {
      const [namespace, ...rest] = path.slice(3).split("/");
      if (namespace !== this.rootNamespaceId) throw fail("not_found");
      relative = rest.length === 0 ? "/" : `/${rest.join("/")}`;
    }
    if (relative === "/") return { kind: "path", components: [] };
    const components = relative.slice(1).split("/");
    if (components.some((part) => part === "" || part === "." || part === "..")) {
      throw fail("malformed_path");
    }
    return { kind: "path", components };
  }

  /** The path components a write goes to; `id:` of an existing file writes at its path. */
  private writeComponents(path: string): string[] {
    const parsed = this.parse(path, () => new WriteFailure("malformed_path"));
    if (parsed.kind === "node") {
      if (parsed.node.kind === "folder") throw new WriteFailure("conflict", "folder");
      return displayPath(parsed.node).slice(1).split("/");
    }
    const name = parsed.components.at(-1);
    if (name === undefined) throw new WriteFailure("malformed_path");
    if (DISALLOWED_NAMES.has(key(name))) throw new WriteFailure("disallowed_name");
    return parsed.components;
  }

  /** Finds the parent folder (when it exists) and the entry at a path; files block ancestors. */
  private locate(components: string[]): { parent?: FolderNode; existing?: StoreNode } {
    let folder = this.root;
    for (const component of components.slice(0, -1)) {
      const child = folder.children.get(key(component));
      if (!child) return {};
      if (child.kind === "file") throw new WriteFailure("conflict", "file_ancestor");
      folder = child;
    }
    return { parent: folder, existing: folder.children.get(key(components.at(-1) as string)) };
  }

  private createFolders(components: string[]): FolderNode {
    let folder = this.root;
    for (const component of components) {
      const existing = folder.children.get(key(component));
      if (existing?.kind === "folder") {
        folder = existing;
        continue;
      }
      const created: FolderNode = {
        kind: "folder",
        id: this.newId(),
        name: component,
        parent: folder,
        children: new Map(),
      };
      this.attach(created);
      folder = created;
    }
    return folder;
  }

  private attach(node: StoreNode): void {
    node.parent?.children.set(key(node.name), node);
    this.byId.set(node.id, node);
    this.deleted.delete(lowerPath(node));
  }

  private overwrite(
    file: FileNode,
    content: FileContent,
    contentHash: string,
    clientModified: string | undefined,
  ): void {
    const now = formatTimestamp(this.now());
    file.content = content;
    file.contentHash = contentHash;
    file.rev = this.newRev();
    file.serverModified = now;
    file.clientModified = clientModified ?? now;
  }

  private newId(): string {
    return `id:${randomBytes(16).toString("base64url").slice(0, 22)}`;
  }

  /** Revs are hex strings that grow with every write, like the real ones. */
  private newRev(): string {
    this.revCounter += 1;
    return `${this.revCounter.toString(16).padStart(9, "0")}${randomBytes(11).toString("hex")}`;
  }
}
