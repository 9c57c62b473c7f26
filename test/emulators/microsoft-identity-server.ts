// The Microsoft identity platform emulator on its own HTTP server, for tests of the login
// alone; the Microsoft emulator (microsoft.ts) serves the same routes next to Graph's.

import { EmulatorBase, type Fault, HttpEmulator } from "./http.ts";
import { type IdentityOptions, identityError, MicrosoftIdentity } from "./microsoft-identity.ts";

export class MicrosoftIdentityServer extends EmulatorBase {
  readonly identity: MicrosoftIdentity;

  constructor(options: IdentityOptions & { port?: number }) {
    super();
    this.identity = new MicrosoftIdentity(options);
    this.http = new HttpEmulator({
      port: options.port,
      handle: (exchange) => this.identity.handle(exchange),
      renderStatusFault: (fault) =>
        identityError(
          fault.status,
          "temporarily_unavailable",
          90033,
          fault.reason ?? "A transient error has occurred. Please try again.",
        ),
      loggedHeaders: ["content-type"],
      maxBufferedBodyBytes: 1024 * 1024,
    });
  }

  /** A status, cut or delay for the next matching requests (see http.ts). */
  inject(fault: Fault): void {
    this.http.inject(fault);
  }

  clearFaults(): void {
    this.http.clearFaults();
  }
}
