// The Response and Headers that dmshare's own fetch (http-fetch.ts) answers with.
//
// Node's Response and Headers are undici's: touching either global loads undici, ~45 ms of a
// send's start-up on this machine (`node -e Response` against `node -e 0`), for a client that
// never uses undici to send. These keep to the WHATWG shape the SDKs and dmshare read (status,
// ok, headers, a body stream, text/json/arrayBuffer/blob/bytes, clone), and nothing more.
import type { ReadableStream as WebStream } from "node:stream/web";

type FieldInit =
  | NonNullable<RequestInit["headers"]>
  | Iterable<readonly [string, string]>
  | { forEach(each: (value: string, name: string) => void): void }
  | Record<string, string | readonly string[] | undefined>;

/** Header fields: names case-insensitive, repeated fields joined with ", " as Headers does. */
export class Fields {
  readonly #values = new Map<string, string[]>();

  constructor(init?: FieldInit | null) {
    if (!init) return;
    if (typeof (init as { forEach?: unknown }).forEach === "function" && !Array.isArray(init)) {
      (init as { forEach(each: (value: string, name: string) => void): void }).forEach(
        (value, name) => {
          this.append(name, value);
        },
      );
    } else if (Symbol.iterator in init) {
      for (const [name, value] of init as Iterable<readonly [string, string]>) {
        this.append(name, value);
      }
    } else {
      for (const [name, value] of Object.entries(init)) {
        if (value === undefined) continue;
        for (const each of typeof value === "string" ? [value] : value) this.append(name, each);
      }
    }
  }

  append(name: string, value: string): void {
    const key = fieldName(name);
    const values = this.#values.get(key);
    const trimmed = String(value).trim();
    if (values) values.push(trimmed);
    else this.#values.set(key, [trimmed]);
  }

  set(name: string, value: string): void {
    this.#values.set(fieldName(name), [String(value).trim()]);
  }

  delete(name: string): void {
    this.#values.delete(fieldName(name));
  }

  get(name: string): string | null {
    return this.#values.get(fieldName(name))?.join(", ") ?? null;
  }

  getSetCookie(): string[] {
    return [...(this.#values.get("set-cookie") ?? [])];
  }

  has(name: string): boolean {
    return this.#values.has(fieldName(name));
  }

  forEach(each: (value: string, name: string, fields: Fields) => void): void {
    for (const [name, value] of this.entries()) each(value, name, this);
  }

  /** In name order, as Headers iterates. */
  *entries(): IterableIterator<[string, string]> {
    for (const name of [...this.#values.keys()].sort()) {
      yield [name, this.get(name) ?? ""];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function fieldName(name: string): string {
  const text = String(name);
  if (!TOKEN.test(text)) throw new TypeError(`Invalid header name: ${JSON.stringify(text)}`);
  return text.toLowerCase();
}

export interface AnswerInit {
  status?: number;
  statusText?: string;
  headers?: FieldInit;
  url?: string;
}

/** A Response whose body is a web stream (or none), read once. */
export class Answer {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Fields;
  readonly url: string;
  readonly redirected = false;
  readonly type = "basic";
  #body: WebStream<Uint8Array> | null;
  #used = false;

  constructor(body: WebStream<Uint8Array> | ReadableStream<Uint8Array> | null, init: AnswerInit) {
    this.status = init.status ?? 200;
    this.statusText = init.statusText ?? "";
    this.headers = init.headers instanceof Fields ? init.headers : new Fields(init.headers);
    this.url = init.url ?? "";
    this.#body = (body as WebStream<Uint8Array> | null) ?? null;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get body(): WebStream<Uint8Array> | null {
    return this.#body;
  }

  get bodyUsed(): boolean {
    return this.#used;
  }

  /** The whole body, read once (a Buffer may share its memory with others: see bytes). */
  async #read(): Promise<Buffer> {
    if (this.#used) throw new TypeError("Body is unusable: Body has already been read");
    this.#used = true;
    if (!this.#body) return Buffer.alloc(0);
    const chunks: Uint8Array[] = [];
    for await (const chunk of this.#body) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  /** The body in memory of its own, so that its ArrayBuffer holds nothing else. */
  async bytes(): Promise<Uint8Array> {
    return new Uint8Array(await this.#read());
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    return (await this.bytes()).buffer as ArrayBuffer;
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(await this.#read());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async blob(): Promise<Blob> {
    const type = this.headers.get("content-type") ?? "";
    return new Blob([await this.#read()], { type });
  }

  async formData(): Promise<never> {
    throw new TypeError("dmshare reads no answer as form data");
  }

  clone(): Answer {
    if (this.#used) throw new TypeError("Response.clone: Body has already been consumed.");
    let body: WebStream<Uint8Array> | null = null;
    if (this.#body) {
      const [mine, theirs] = this.#body.tee();
      this.#body = mine;
      body = theirs;
    }
    const init = { status: this.status, statusText: this.statusText, url: this.url };
    return new Answer(body, { ...init, headers: new Fields(this.headers) });
  }
}

/** An Answer typed as the Response that fetch's callers expect. */
export const answer = (
  body: WebStream<Uint8Array> | ReadableStream<Uint8Array> | null,
  init: AnswerInit,
): Response => new Answer(body, init) as unknown as Response;

/** Whether a fetch input is a Request (anything not a string or a URL), without loading one. */
export const isRequestLike = (input: unknown): boolean =>
  typeof input === "object" && input !== null && !(input instanceof URL);
