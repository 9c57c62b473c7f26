import { usageError } from "../lib/errors.ts";
import { checkTemplate, parsePreset, presetNames } from "../lib/message-presets.ts";
import { didYouMean } from "../lib/suggest.ts";
import { readTextIfExists, writeFileAtomic } from "./files.ts";
import { type LockHolder, withFileLock } from "./lock.ts";
import { configPath } from "./paths.ts";

interface SettingSpec {
  description: string;
  /** Returns the value to store, or throws a usage error naming what is wrong. */
  parse: (value: string) => string;
}

/**
 * The parse of a setting that is one of two words: the word given, trimmed and lower-cased, or
 * a usage error saying the value is not `what`, with `hint` (after a did-you-mean, unless
 * `suggest` is false).
 */
function eitherWord(
  words: readonly [string, string],
  what: string,
  hint: string,
  { suggest = true } = {},
): (value: string) => string {
  return (value) => {
    const word = value.trim().toLowerCase();
    if (!words.includes(word)) {
      throw usageError(
        `"${value}" is not ${what}.`,
        `${suggest ? didYouMean(word, words) : ""}${hint}`,
      );
    }
    return word;
  };
}

export const SETTINGS = {
  provider: {
    description: "provider used when --via is not given",
    parse: (value: string) => value.trim().toLowerCase(),
  },
  message: {
    description: "your message template: {url} {name} {count} {expires} {provider}",
    parse: (value: string) => checkTemplate(value, "dmshare config set message"),
  },
  preset: {
    description: `built-in wording: ${presetNames().join(", ")}`,
    parse: (value: string) => parsePreset(value),
  },
  metadata: {
    description: "strip (default: remove location and identifying metadata) or keep",
    parse: eitherWord(
      ["strip", "keep"],
      "a metadata policy",
      "Use strip (remove location and identifying metadata before upload) or keep.",
    ),
  },
  copy: {
    description: "on (default: send copies the message to the clipboard) or off (--copy overrides)",
    parse: eitherWord(
      ["on", "off"],
      "a copy setting",
      "Use on (send copies the message to the clipboard) or off (it never tries).",
      { suggest: false },
    ),
  },
  "auto-prune": {
    description:
      "on (default: each command first revokes links past the expiry dmshare enforces) or off",
    parse: eitherWord(
      ["on", "off"],
      "an auto-prune setting",
      "Use on (each dmshare command first revokes the links whose expiry has passed) or off.",
    ),
  },
} satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof SETTINGS;
export type Settings = Partial<Record<SettingKey, string>>;

export function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(SETTINGS, key);
}

/** User settings in config.json, next to the ledger (DMSHARE_CONFIG_DIR in tests). */
export class ConfigStore {
  readonly file: string;
  /** Who takes the lock to change the file: null opens it for reading only. */
  private readonly holder: LockHolder | null;

  constructor(configDir: string, holder: LockHolder | null = null) {
    this.file = configPath(configDir);
    this.holder = holder;
  }

  async all(): Promise<Settings> {
    const text = await readTextIfExists(this.file);
    if (text === null) return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw this.invalid("it is not valid JSON");
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw this.invalid("it is not a JSON object");
    }
    const settings: Settings = {};
    for (const [key, value] of Object.entries(parsed)) {
      if (!isSettingKey(key)) continue;
      if (typeof value !== "string") throw this.invalid(`"${key}" must be a string`);
      try {
        settings[key] = SETTINGS[key].parse(value);
      } catch (error) {
        throw this.invalid(`"${key}": ${(error as Error).message}`);
      }
    }
    return settings;
  }

  async get(key: SettingKey): Promise<string | undefined> {
    return (await this.all())[key];
  }

  /** Stores `value`; `replaces` are settings it takes the place of, removed in the same write
   * (those that were set are returned). */
  async set(
    key: SettingKey,
    value: string,
    replaces: readonly SettingKey[] = [],
  ): Promise<{ value: string; replaced: SettingKey[] }> {
    const parsed = SETTINGS[key].parse(value);
    const replaced: SettingKey[] = [];
    await this.edit((settings) => {
      for (const other of replaces) {
        if (settings[other] === undefined) continue;
        delete settings[other];
        replaced.push(other);
      }
      settings[key] = parsed;
    });
    return { value: parsed, replaced };
  }

  async unset(key: SettingKey): Promise<void> {
    await this.edit((settings) => {
      delete settings[key];
    });
  }

  private edit(change: (settings: Settings) => void): Promise<void> {
    const { holder } = this;
    if (!holder) throw new Error(`${this.file} was opened for reading only`);
    return withFileLock(
      `${this.file}.lock`,
      async () => {
        const settings = await this.all();
        change(settings);
        await writeFileAtomic(this.file, `${JSON.stringify(settings, null, 2)}\n`);
      },
      holder,
    );
  }

  private invalid(reason: string) {
    return usageError(
      `The config file ${this.file} is invalid: ${reason}.`,
      `Fix it, or delete it to go back to the defaults (rm '${this.file}').`,
    );
  }
}
