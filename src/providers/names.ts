// Provider names, a leaf that every provider module and the link parser can import.

export type ProviderName = "dropbox" | "gdrive" | "gphotos" | "onedrive";

/** The environment variable that gives a provider's token to scripts: DMSHARE_DROPBOX_TOKEN. */
export const tokenVariable = (name: string) => `DMSHARE_${name.toUpperCase()}_TOKEN`;
