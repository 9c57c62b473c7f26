import { type Command, Option } from "@commander-js/extra-typings";
import { BUILTIN_APPS } from "../../providers/builtin-apps.ts";
import { findProvider } from "../../providers/catalog.ts";

/** `dmshare login`: its argument, options, help and examples. */
export function loginCommand(program: Command) {
  const dropboxPort = findProvider("dropbox").login.port;
  return program
    .command("login")
    .summary("connect dmshare to your account")
    .description(
      "Log in to a provider in the browser (OAuth with PKCE; dmshare never sees your password). " +
        (BUILTIN_APPS.dropboxAppKey || BUILTIN_APPS.google || BUILTIN_APPS.onedriveClientId
          ? "This build of dmshare carries its own app registration; you can bring your own instead (see the README): "
          : "You bring your own app (see the README): ") +
        "Dropbox needs your app key and the redirect URI " +
        `http://127.0.0.1:${dropboxPort}/ registered with it (--no-redirect shows a code to paste instead); ` +
        "Google needs a Desktop app OAuth client (--credentials client_secret.json). " +
        "OneDrive needs your app's Application (client) ID (--client-id), a public client with the redirect URI http://localhost. " +
        "gdrive --device and onedrive --device log in with a code entered on another device (no browser here needed). " +
        "gdrive asks only for the files dmshare creates; gphotos only for adding photos; onedrive only for its app folder.",
    )
    .argument(
      "[provider]",
      "dropbox, gdrive (google, drive), gphotos (google-photos) or onedrive (microsoft); asked for at a terminal",
    )
    .option("--app-key <key>", "your Dropbox app key (or DMSHARE_DROPBOX_APP_KEY)")
    .option(
      "--credentials <file>",
      "Google: the client_secret.json of your Desktop OAuth client (or DMSHARE_GOOGLE_CREDENTIALS)",
    )
    .option(
      "--client-id <id>",
      "Google: OAuth client id (or DMSHARE_GOOGLE_CLIENT_ID); OneDrive: Application (client) ID (or DMSHARE_ONEDRIVE_CLIENT_ID)",
    )
    .option(
      "--client-secret <secret>",
      "Google: OAuth client secret (or DMSHARE_GOOGLE_CLIENT_SECRET)",
    )
    .option(
      "--port <port>",
      `loopback port for the redirect (Dropbox default ${dropboxPort}, Google any)`,
    )
    .option("--no-browser", "print the login URL instead of opening a browser")
    .option("--no-redirect", "paste the code Dropbox shows instead of the loopback redirect")
    .option(
      "--device",
      "Google Drive, OneDrive: show a code to enter on another device (for machines without a browser)",
    )
    .option(
      "--token <token>",
      "store this access token instead (for scripts; - reads it from stdin)",
    )
    .addOption(
      new Option("--timeout <seconds>", "how many seconds to wait for the browser").default(
        "300",
        "300",
      ),
    )
    .addHelpText(
      "after",
      `
Examples:
  $ dmshare login
  $ dmshare login dropbox --app-key abc123xyz
  $ dmshare login gdrive --credentials ~/Downloads/client_secret_123.json
  $ dmshare login dropbox --no-browser --no-redirect
  $ dmshare login gdrive --device
  $ dmshare login onedrive --client-id 5d3c2b1a-0f9e-4d8c-b7a6-958473625140
  $ printf '%s' "$TOKEN" | dmshare login dropbox --token -`,
    );
}

export type LoginOptions = ReturnType<ReturnType<typeof loginCommand>["opts"]>;

/** `dmshare logout`. */
export function logoutCommand(program: Command) {
  return program
    .command("logout")
    .summary("forget the stored credentials")
    .description(
      "Remove the credentials dmshare stored for a provider (from the keychain or the " +
        "credentials file). The links you made keep working: revoke them first if they should " +
        "stop (dmshare revoke). A DMSHARE_…_TOKEN variable, if set, is still used: unset it too.",
    )
    .argument("[provider]", "dropbox, gdrive, gphotos or onedrive; asked for at a terminal")
    .addHelpText("after", "\nExamples:\n  $ dmshare logout dropbox\n  $ dmshare logout");
}
