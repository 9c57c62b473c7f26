import type { Env } from "../context.ts";
import { heldSecrets } from "../lib/secrets.ts";

/** DMSHARE_DROPBOX_TOKEN, DMSHARE_GDRIVE_TOKEN, DMSHARE_GOOGLE_CLIENT_SECRET, and those to come. */
const SECRET_VARIABLE = /^DMSHARE_[A-Z0-9_]+_(TOKEN|SECRET)$/;
/** Bearer headers and OAuth parameters that can appear in an SDK's error text. */
const SECRET_PATTERNS = [
  /(bearer\s+)[\w.~+/=-]{8,}/gi,
  /([?&](?:access_token|refresh_token|code_verifier|client_secret|code)=)[^&\s"']+/gi,
  // Form bodies echoed back (`refresh_token=…&client_secret=…`), wherever they start.
  /((?:^|[\s"'(,;:])(?:access_token|refresh_token|code_verifier|client_secret)=)[^&\s"']+/gim,
  /("(?:access_token|refresh_token|accessToken|refreshToken|client_secret|clientSecret)"\s*:\s*")[^"]+/gi,
];

const secretsByEnv = new WeakMap<Env, string[]>();

/**
 * The secret values in the environment, looked up once per environment: reading every
 * variable of process.env costs more than the text it is applied to.
 */
function secretsInEnv(env: Env): string[] {
  let secrets = secretsByEnv.get(env);
  if (!secrets) {
    secrets = Object.entries(env).flatMap(([name, raw]) => {
      const value = raw?.trim();
      return SECRET_VARIABLE.test(name) && value && value.length >= 6 ? [value] : [];
    });
    secretsByEnv.set(env, secrets);
  }
  return secrets;
}

const spellingsBySecret = new Map<string, string[]>();

/**
 * A secret as dmshare itself may have written it: as is, URL-encoded (query strings), form
 * encoded (token requests), JSON-escaped (a token with a newline), and each of its lines.
 */
function spellingsOf(secret: string): string[] {
  let spellings = spellingsBySecret.get(secret);
  if (!spellings) {
    const form = new URLSearchParams({ s: secret }).toString().slice(2);
    const lines = secret.split(/[\r\n]+/).filter((line) => line.trim().length >= 6);
    spellings = [
      ...new Set([
        secret,
        secret.trim(),
        encodeURIComponent(secret),
        form,
        JSON.stringify(secret).slice(1, -1),
        ...(/[\r\n]/.test(secret) ? lines : []),
      ]),
    ].sort((a, b) => b.length - a.length);
    spellingsBySecret.set(secret, spellings);
  }
  return spellings;
}

/**
 * Removes every credential dmshare holds, from its environment or its credential store, in
 * every encoding dmshare produces. Safe on result data.
 */
export function redactKnownSecrets(text: string, env: Env): string {
  let redacted = text;
  const secrets = [...secretsInEnv(env), ...heldSecrets()];
  for (const spelling of secrets.flatMap(spellingsOf).sort((a, b) => b.length - a.length)) {
    if (redacted.includes(spelling)) redacted = redacted.split(spelling).join("[redacted]");
  }
  return redacted;
}

/** Last line of defence for diagnostics: also anything shaped like a token or OAuth secret. */
export function redactSecrets(text: string, env: Env): string {
  let redacted = redactKnownSecrets(text, env);
  for (const pattern of SECRET_PATTERNS) redacted = redacted.replace(pattern, "$1[redacted]");
  return redacted;
}
