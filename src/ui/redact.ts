import type { Env } from "../context.ts";

/** DMSHARE_DROPBOX_TOKEN, DMSHARE_GDRIVE_TOKEN, and any provider's to come. */
const TOKEN_VARIABLE = /^DMSHARE_[A-Z0-9]+_TOKEN$/;
/** Bearer headers and OAuth parameters that can appear in an SDK's error text. */
const SECRET_PATTERNS = [
  /(bearer\s+)[\w.~+/=-]{8,}/gi,
  /([?&](?:access_token|refresh_token|code_verifier|client_secret|code)=)[^&\s"']+/gi,
  /("(?:access_token|refresh_token|accessToken|refreshToken)"\s*:\s*")[^"]+/gi,
];

const tokensByEnv = new WeakMap<Env, string[]>();

/**
 * The token values in the environment, looked up once per environment: reading every
 * variable of process.env costs more than the text it is applied to.
 */
function knownTokens(env: Env): string[] {
  let tokens = tokensByEnv.get(env);
  if (!tokens) {
    tokens = Object.entries(env).flatMap(([name, raw]) => {
      const value = raw?.trim();
      return TOKEN_VARIABLE.test(name) && value && value.length >= 6 ? [value] : [];
    });
    tokensByEnv.set(env, tokens);
  }
  return tokens;
}

/** Removes the token values dmshare was given in its environment. Safe on result data. */
export function redactKnownSecrets(text: string, env: Env): string {
  let redacted = text;
  for (const token of knownTokens(env)) redacted = redacted.split(token).join("[redacted]");
  return redacted;
}

/** Last line of defence for diagnostics: also anything shaped like a token or OAuth secret. */
export function redactSecrets(text: string, env: Env): string {
  let redacted = redactKnownSecrets(text, env);
  for (const pattern of SECRET_PATTERNS) redacted = redacted.replace(pattern, "$1[redacted]");
  return redacted;
}
