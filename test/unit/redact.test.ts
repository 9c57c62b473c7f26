import { describe, expect, it } from "vitest";
import { redactKnownSecrets, redactSecrets } from "../../src/ui/redact.ts";

describe("redactSecrets", () => {
  it("removes tokens from the environment, bearer headers and OAuth parameters", () => {
    const env = { DMSHARE_DROPBOX_TOKEN: "sl.secret-token-123" };
    const text =
      "failed with sl.secret-token-123; Authorization: Bearer abcdefgh12345; " +
      '/oauth2/token?grant_type=refresh_token&refresh_token=r3fr3sh&client_id=x {"access_token":"a1b2c3"}';
    const redacted = redactSecrets(text, env);
    for (const secret of ["sl.secret-token-123", "abcdefgh12345", "r3fr3sh", "a1b2c3"]) {
      expect(redacted).not.toContain(secret);
    }
    expect(redacted).toContain("client_id=x");
  });

  it("leaves ordinary text that merely contains code= alone", () => {
    expect(redactSecrets("promo code=SUMMER.jpg", {})).toBe("promo code=SUMMER.jpg");
  });

  it("removes only the given token values from result data", () => {
    const env = { DMSHARE_DROPBOX_TOKEN: "sl.secret-token-123" };
    expect(redactKnownSecrets("Use code=ABC sl.secret-token-123 Bearer abcdefgh1234", env)).toBe(
      "Use code=ABC [redacted] Bearer abcdefgh1234",
    );
  });
});

describe("credentials the store held", () => {
  it("are removed in every spelling dmshare writes them: raw, URL-encoded, form, JSON, by line", async () => {
    const { rememberSecrets } = await import("../../src/lib/secrets.ts");
    const secret = "1//0g-stored/refresh+token=with\nbreak";
    rememberSecrets(secret);
    const spellings = [
      secret,
      encodeURIComponent(secret),
      new URLSearchParams({ refresh_token: secret }).toString(),
      JSON.stringify({ error: secret }),
      "1//0g-stored/refresh+token=with",
    ];
    for (const text of spellings) {
      expect(redactKnownSecrets(`said: ${text}`, {}), text).not.toMatch(/stored|break/);
    }
  });

  it("client secrets from the environment and form bodies that start with the parameter", () => {
    expect(
      redactSecrets("x GOCSPX-abcdef y", { DMSHARE_GOOGLE_CLIENT_SECRET: "GOCSPX-abcdef" }),
    ).toBe("x [redacted] y");
    expect(redactSecrets("refresh_token=r3fr3sh-token&client_id=x", {})).toBe(
      "refresh_token=[redacted]&client_id=x",
    );
  });
});
