import type { Ctx } from "../context.ts";
import { DmshareError } from "../lib/errors.ts";
import { connectEntry, findProvider, providerNames, tokenVariable } from "../providers/catalog.ts";
import type { Account } from "../providers/provider.ts";
import { providerSession } from "./session.ts";

export interface ProviderStatus {
  provider: string;
  displayName: string;
  state: "logged-in" | "logged-out" | "rejected";
  account: Account | null;
  /** Where the credentials come from: the environment or the credential store. */
  source: "env" | "store" | null;
  location: string | null;
  problem: string | null;
  /** What to do about a rejection (replace or unset the variable, log in again). */
  hint: string | null;
}

/** For each provider: are there credentials, where, and does the provider accept them. */
export async function accountStatus(ctx: Ctx): Promise<ProviderStatus[]> {
  const session = providerSession(ctx);
  return Promise.all(
    providerNames().map(async (name): Promise<ProviderStatus> => {
      const entry = findProvider(name);
      const variable = tokenVariable(name);
      const fromEnv = Boolean(ctx.env[variable]);
      const base = {
        provider: name,
        displayName: entry.displayName,
        account: null,
        problem: null,
        hint: null,
      };
      if (!fromEnv && !(await session.credentials.get(name))) {
        return { ...base, state: "logged-out", source: null, location: null };
      }
      const source = fromEnv ? "env" : "store";
      const location = fromEnv ? variable : await session.credentials.locate(name);
      try {
        const provider = await connectEntry(entry, session);
        return { ...base, state: "logged-in", source, location, account: await provider.whoami() };
      } catch (error) {
        if (!(error instanceof DmshareError) || error.kind !== "auth") throw error;
        const { message: problem, hint } = error;
        return { ...base, state: "rejected", source, location, problem, hint: hint ?? null };
      }
    }),
  );
}
