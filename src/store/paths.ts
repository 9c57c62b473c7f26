import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Env } from "../context.ts";
import { defaultConfigDir } from "./config-dir.ts";

/** `DMSHARE_CONFIG_DIR` wins; otherwise the OS's place for it (~/.config/dmshare on Linux). */
export function configDirFor(env: Env, platform: NodeJS.Platform): string {
  const override = env.DMSHARE_CONFIG_DIR;
  if (override) return path.resolve(override);
  return defaultConfigDir({
    platform,
    env,
    home: os.homedir(),
    exists: existsSync,
  });
}

/** The ledger: an SQLite database (store/ledger.ts). */
export const ledgerPath = (configDir: string) => path.join(configDir, "ledger.db");
/** The one-file JSON ledger of dmshare 0.1, migrated into ledgerPath on first use. */
export const legacyLedgerPath = (configDir: string) => path.join(configDir, "ledger.json");
export const credentialsPath = (configDir: string) => path.join(configDir, "credentials.json");
export const configPath = (configDir: string) => path.join(configDir, "config.json");
/** When the automatic prune may next try, after it failed (a provider down, say). */
export const autoPruneStatePath = (configDir: string) => path.join(configDir, "auto-prune.json");
