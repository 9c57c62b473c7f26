// The apps a published build of dmshare carries, so that people who install it can log in
// without registering apps of their own. The person who publishes dmshare registers them once
// and gives them to the build (scripts/build.ts) in environment variables:
//
//   DMSHARE_BUILTIN_DROPBOX_APP_KEY               a Dropbox app key (PKCE: there is no secret)
//   DMSHARE_BUILTIN_GOOGLE_CLIENT_ID / _SECRET    a Google "Desktop app" OAuth client
//   DMSHARE_BUILTIN_GOOGLE_DEVICE_CLIENT_ID / _SECRET
//                                                 a Google "TVs and Limited Input devices"
//                                                 client, for `login gdrive --device`
//   DMSHARE_BUILTIN_ONEDRIVE_CLIENT_ID            a Microsoft Entra app (public client, "Mobile
//                                                 and desktop applications"; no secret)
//
// None of these is a secret: a Dropbox app key is public with PKCE, and Google documents that
// the "secret" of Desktop and device clients is not treated as one. The build writes them into
// dist/ with esbuild's `define`; a build without them (and the sources run by the tests) has
// none, and login asks for the user's own app as before. What the user gives (flags,
// environment, client_secret.json) always comes first.

export interface GoogleClient {
  clientId: string;
  clientSecret: string;
}

export interface BuiltinApps {
  dropboxAppKey?: string;
  /** A Desktop app client: the browser login with a loopback redirect. */
  google?: GoogleClient;
  /** A "TVs and Limited Input devices" client: the device login (`--device`). */
  googleDevice?: GoogleClient;
  /** A Microsoft Entra public client (PKCE and the device code grant; there is no secret). */
  onedriveClientId?: string;
}

declare const __DMSHARE_BUILTIN_APPS__: BuiltinApps | undefined;

export const BUILTIN_APPS: BuiltinApps =
  typeof __DMSHARE_BUILTIN_APPS__ === "undefined" ? {} : __DMSHARE_BUILTIN_APPS__;
