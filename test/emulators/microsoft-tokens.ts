// The access tokens Microsoft Graph accepts, shared by the Graph emulator (which checks them)
// and the identity platform emulator (microsoft-identity.ts, which issues them). Personal
// accounts get opaque tokens ("EwB…"), so the emulator's are opaque too.

import { randomBytes } from "node:crypto";
import { errors } from "./microsoft-graph-wire.ts";

export interface GrantedToken {
  scopes: string[];
  /** Epoch ms; null: never expires (static tokens). */
  expiresAt: number | null;
  /** The app (client id) it was issued to, when one issued it. */
  clientId?: string;
}

export class MicrosoftTokens {
  private readonly tokens = new Map<string, GrantedToken & { expired?: boolean }>();
  private readonly now: () => number;

  constructor(now: () => number) {
    this.now = now;
  }

  /** Accepts `token` with these scopes from now on. */
  grant(token: string, grant: GrantedToken): void {
    this.tokens.set(token, { ...grant });
  }

  /** A new opaque access token with these scopes. */
  issue(scopes: string[], lifetimeSeconds: number | null, clientId?: string): string {
    const token = `EwB${randomBytes(48).toString("base64url")}`;
    const expiresAt = lifetimeSeconds === null ? null : this.now() + lifetimeSeconds * 1000;
    this.grant(token, { scopes, expiresAt, clientId });
    return token;
  }

  /** Every token issued so far (static ones too, when asked) is rejected with 401 from now on. */
  expireAll(options: { includeStatic?: boolean } = {}): void {
    for (const grant of this.tokens.values()) {
      if (grant.expiresAt !== null || options.includeStatic) grant.expired = true;
    }
  }

  revoke(token: string): void {
    this.tokens.delete(token);
  }

  /** The grant of `Authorization: Bearer <token>`, or the 401 Graph answers. */
  check(authorization: string | undefined): GrantedToken {
    if (authorization === undefined || authorization.trim() === "") {
      throw errors.unauthenticated("Access token is empty.");
    }
    const match = /^Bearer (\S+)$/i.exec(authorization.trim());
    if (!match) throw errors.unauthenticated("Access token validation failure. Invalid audience.");
    const grant = this.tokens.get(match[1] as string);
    if (!grant)
      throw errors.unauthenticated("IDX14100: JWT is not well formed, there are no dots (.).");
    if (grant.expired || (grant.expiresAt !== null && grant.expiresAt <= this.now())) {
      throw errors.unauthenticated("Lifetime validation failed, the token is expired.");
    }
    return grant;
  }
}
