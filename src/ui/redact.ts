import type { Env } from "../context.ts";

const SECRET_VARIABLES = ["DMSHARE_DROPBOX_TOKEN", "DMSHARE_GDRIVE_TOKEN"];
/** Bearer headers and OAuth parameters that can appear in an SDK's error text. */
const SECRET_PATTERNS = [
  /(bearer\s+)[\w.~+/=-]{8,}/gi,
  /((?:access_token|refresh_token|code_verifier|client_secret|code)=)[^&\s"']+/gi,
  /("(?:access_token|refresh_token|accessToken|refreshToken)"\s*:\s*")[^"]+/gi,
];

/** Last line of defence: nothing dmshare prints may carry a token. */
export function redactSecrets(text: string, env: Env): string {
  let redacted = text;
  for (const name of SECRET_VARIABLES) {
    const value = env[name]?.trim();
    if (value && value.length >= 6) redacted = redacted.split(value).join("[redacted]");
  }
  for (const pattern of SECRET_PATTERNS) redacted = redacted.replace(pattern, "$1[redacted]");
  return redacted;
}
