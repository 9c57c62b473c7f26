// Plays the person in front of the browser on an emulator's OAuth consent page: opens the page,
// presses Allow or Deny (submits the page's form as that button would) and reports where the
// browser would be sent next, or the code the page shows in the no-redirect flow; and on the
// device flow's verification page, types the code a device shows.

const ENTITIES: Record<string, string> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&#39;": "'",
};

const decodeEntities = (text: string) =>
  text.replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity] ?? entity);

function attributes(tag: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [, name, value] of tag.matchAll(/([\w-]+)\s*=\s*"([^"]*)"/g)) {
    if (name !== undefined && value !== undefined)
      found[name.toLowerCase()] = decodeEntities(value);
  }
  return found;
}

const visibleText = (html: string) =>
  decodeEntities(html.replace(/<[^>]*>/g, " "))
    .replace(/\s+/g, " ")
    .trim();

async function fetchPage(url: string, init?: RequestInit): Promise<Response> {
  const response = await fetch(url, { ...init, redirect: "manual" });
  if (response.status >= 400) {
    const page = await response.text();
    const message = /<p id="error">([\s\S]*?)<\/p>/.exec(page)?.[1] ?? page;
    throw new Error(`The consent page answered ${response.status}: ${visibleText(message)}`);
  }
  return response;
}

/**
 * Fills a page's form as a person would (hidden fields as they are, `typed` into the text
 * fields of those names) and presses the button whose label matches; the response.
 */
async function submitForm(
  pageUrl: string,
  page: string,
  label: RegExp,
  typed: Record<string, string> = {},
): Promise<Response> {
  const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(page);
  if (!form) throw new Error("The page has no form");
  const { action = "", method = "get" } = attributes(form[1] ?? "");
  const content = form[2] ?? "";

  const fields = new URLSearchParams();
  for (const [input] of content.matchAll(/<input\b[^>]*>/gi)) {
    const { name, value = "" } = attributes(input);
    if (name !== undefined) fields.append(name, typed[name] ?? value);
  }
  const button = [...content.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)].find(
    ([, , text]) => label.test(visibleText(text ?? "")),
  );
  if (!button) throw new Error(`The page has no button labelled ${label}`);
  const { name, value = "" } = attributes(button[1] ?? "");
  if (name !== undefined) fields.append(name, value);

  const target = new URL(action, pageUrl);
  return method.toLowerCase() === "post"
    ? fetchPage(target.href, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: fields.toString(),
      })
    : fetchPage(`${target.origin}${target.pathname}?${fields}`);
}

const decisionLabel = (decision: "allow" | "deny") =>
  decision === "allow" ? /^(allow|accept)$/i : /^(deny|cancel)$/i;

export async function playBrowserConsent(
  authorizeUrl: string,
  decision: "allow" | "deny",
): Promise<{ location?: string; code?: string }> {
  const page = await (await fetchPage(authorizeUrl)).text();
  const response = await submitForm(authorizeUrl, page, decisionLabel(decision));
  const location = response.headers.get("location");
  if (response.status >= 300 && response.status < 400 && location !== null) {
    await response.body?.cancel();
    return { location };
  }
  const shown = await response.text();
  const codeInput = /<input\b[^>]*id="auth-code"[^>]*>/i.exec(shown)?.[0];
  const code = codeInput === undefined ? undefined : attributes(codeInput).value;
  return code === undefined ? {} : { code };
}

/**
 * The device flow, on the other device: opens the verification page, types the code the
 * device shows, presses Next, then Allow or Cancel on the consent page; the final page's text.
 */
export async function playDeviceVerification(
  verificationUrl: string,
  userCode: string,
  decision: "allow" | "deny",
): Promise<string> {
  const entry = await (await fetchPage(verificationUrl)).text();
  const consent = await (
    await submitForm(verificationUrl, entry, /^next$/i, { user_code: userCode })
  ).text();
  const done = await submitForm(verificationUrl, consent, decisionLabel(decision));
  return visibleText(await done.text());
}
