// What the ledger keeps of a link and of the item it shares, as providers report them: plain
// record types in a leaf, so that the ledger (store) does not import providers.

/** A file or folder at the provider, as the ledger remembers it. */
export interface RemoteItem {
  remotePath: string;
  remoteId: string;
  /** The item's own page, which only the account owner can open (Google Photos). */
  ownerUrl?: string;
  /** The address the provider gave the item when it was made (Drive's webViewLink). */
  viewUrl?: string;
  /**
   * The send's own folder the item was uploaded into (`dmshare/<id>`), which clean-up and
   * `revoke --delete-files` delete whole (see `wholeSend`). Absent where the item is itself
   * that folder (a Drive album), for items of the flat layout before per-send folders, for
   * links `sync` adopted, and where there are no folders (Google Photos).
   */
  sendFolder?: FolderItem;
}

/** A folder at the provider: its path, and its id (Dropbox, which goes by path: the path). */
export interface FolderItem {
  remotePath: string;
  remoteId: string;
}

/** What removes everything a send uploaded: its own folder, else the item itself. */
export const wholeSend = (item: RemoteItem): RemoteItem => item.sendFolder ?? item;

/** The stable identity the ledger keeps for a link (all optional: older entries lack them). */
export interface LinkIdentity {
  /** The link's own id (providers/link-identity.ts, LinkKey.key). */
  key?: string;
  /** Dropbox's rlkey (LinkKey.secret). */
  secret?: string;
  /** The shared item's id at the provider: Dropbox `id:…`, Drive file id, Photos album id. */
  itemId?: string;
  /** Dropbox: the shared item's lower-case path when the link was made. */
  pathLower?: string;
  /** Google Drive: the id of the `anyone` permission that makes the link public. */
  permissionId?: string;
}
