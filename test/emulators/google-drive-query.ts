// The Drive v3 search language of files.list `q`: terms such as `name = 'x'`,
// `'<id>' in parents`, `mimeType != '…'`, `trashed = false`, `modifiedTime > '…'`,
// `appProperties has { key='k' and value='v' }`, joined by and/or/not and parentheses.
// Strings are single-quoted; `\'` and `\\` escape.

export class QueryError extends Error {}

/** What a term can ask of a file. */
export interface QueryFile {
  name: string;
  mimeType: string;
  fullText: string;
  parents: readonly string[];
  trashed: boolean;
  starred: boolean;
  createdTime: number;
  modifiedTime: number;
  viewedByMeTime?: number;
  properties: Readonly<Record<string, string>>;
  appProperties: Readonly<Record<string, string>>;
  visibility: "anyoneCanFind" | "anyoneWithLink" | "domainCanFind" | "domainWithLink" | "limited";
  /** Emails (and `me`) by role, for `'x' in owners|writers|readers`. */
  owners: readonly string[];
  writers: readonly string[];
  readers: readonly string[];
}

type Value = { kind: "string"; text: string } | { kind: "boolean"; value: boolean };

export type Query =
  | { kind: "and" | "or"; left: Query; right: Query }
  | { kind: "not"; query: Query }
  | { kind: "compare"; field: string; op: string; value: Value }
  | { kind: "in"; value: string; field: string }
  | { kind: "has"; field: "properties" | "appProperties"; key: string; value: string };

type Token =
  | { kind: "string"; text: string }
  | { kind: "word"; text: string }
  | { kind: "op"; text: string }
  | { kind: "punct"; text: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < source.length) {
    const char = source[at] as string;
    if (/\s/.test(char)) {
      at += 1;
    } else if (char === "'" || char === '"') {
      // Drive documents single quotes; double quotes are accepted as well.
      let text = "";
      at += 1;
      for (;;) {
        if (at >= source.length) throw new QueryError("unterminated string");
        const next = source[at] as string;
        if (next === "\\") {
          const escaped = source[at + 1];
          if (escaped === undefined) throw new QueryError("dangling escape");
          text += escaped;
          at += 2;
        } else if (next === char) {
          at += 1;
          break;
        } else {
          text += next;
          at += 1;
        }
      }
      tokens.push({ kind: "string", text });
    } else if ("(){}".includes(char)) {
      tokens.push({ kind: "punct", text: char });
      at += 1;
    } else if ("=!<>".includes(char)) {
      const two = source.slice(at, at + 2);
      const op = ["!=", "<=", ">="].includes(two) ? two : char;
      if (op === "!") throw new QueryError("stray !");
      tokens.push({ kind: "op", text: op });
      at += op.length;
    } else {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(at));
      if (!match) throw new QueryError(`unexpected ${char}`);
      tokens.push({ kind: "word", text: match[0] });
      at += match[0].length;
    }
  }
  return tokens;
}

const STRING_FIELDS: Record<string, string[]> = {
  name: ["=", "!=", "contains"],
  mimeType: ["=", "!=", "contains"],
  fullText: ["contains"],
  visibility: ["=", "!="],
};
const TIME_FIELDS = ["createdTime", "modifiedTime", "viewedByMeTime"];
const BOOLEAN_FIELDS = ["trashed", "starred", "sharedWithMe"];
const COLLECTION_FIELDS = ["parents", "owners", "writers", "readers"];

export function parseQuery(source: string): Query {
  const tokens = tokenize(source);
  let at = 0;
  const peek = () => tokens[at];
  const isWord = (token: Token | undefined, word: string) =>
    token?.kind === "word" && token.text.toLowerCase() === word;
  const expect = (kind: Token["kind"], text?: string): Token => {
    const token = tokens[at];
    if (!token || token.kind !== kind || (text !== undefined && token.text !== text)) {
      throw new QueryError(`expected ${text ?? kind}`);
    }
    at += 1;
    return token;
  };

  const or = (): Query => {
    let left = and();
    while (isWord(peek(), "or")) {
      at += 1;
      left = { kind: "or", left, right: and() };
    }
    return left;
  };
  const and = (): Query => {
    let left = unary();
    while (isWord(peek(), "and")) {
      at += 1;
      left = { kind: "and", left, right: unary() };
    }
    return left;
  };
  const unary = (): Query => {
    const token = peek();
    if (isWord(token, "not")) {
      at += 1;
      return { kind: "not", query: unary() };
    }
    if (token?.kind === "punct" && token.text === "(") {
      at += 1;
      const inner = or();
      expect("punct", ")");
      return inner;
    }
    return term();
  };
  const term = (): Query => {
    const first = peek();
    if (first?.kind === "string") {
      at += 1;
      if (!isWord(peek(), "in")) throw new QueryError("expected in");
      at += 1;
      const field = expect("word").text;
      if (!COLLECTION_FIELDS.includes(field)) throw new QueryError(`${field} is not a collection`);
      return { kind: "in", value: first.text, field };
    }
    const field = expect("word").text;
    if (field === "properties" || field === "appProperties") {
      if (!isWord(peek(), "has")) throw new QueryError("expected has");
      at += 1;
      expect("punct", "{");
      const pair = propertyPair();
      expect("punct", "}");
      return { kind: "has", field, ...pair };
    }
    const opToken = peek();
    let op: string;
    if (opToken?.kind === "op") op = opToken.text;
    else if (isWord(opToken, "contains")) op = "contains";
    else throw new QueryError(`expected an operator after ${field}`);
    at += 1;
    const valueToken = peek();
    at += 1;
    let value: Value;
    if (valueToken?.kind === "string") value = { kind: "string", text: valueToken.text };
    else if (isWord(valueToken, "true") || isWord(valueToken, "false")) {
      value = { kind: "boolean", value: valueToken?.text.toLowerCase() === "true" };
    } else throw new QueryError(`expected a value after ${field} ${op}`);

    const allowed = STRING_FIELDS[field];
    if (allowed) {
      if (!allowed.includes(op) || value.kind !== "string") throw new QueryError(field);
    } else if (TIME_FIELDS.includes(field)) {
      if (op === "contains" || value.kind !== "string" || Number.isNaN(parseTime(value.text))) {
        throw new QueryError(field);
      }
    } else if (BOOLEAN_FIELDS.includes(field)) {
      if ((op !== "=" && op !== "!=") || value.kind !== "boolean") throw new QueryError(field);
    } else {
      throw new QueryError(`unknown field ${field}`);
    }
    return { kind: "compare", field, op, value };
  };
  const propertyPair = (): { key: string; value: string } => {
    const found: Record<string, string> = {};
    for (let index = 0; index < 2; index++) {
      if (index === 1) {
        if (!isWord(peek(), "and")) throw new QueryError("expected and");
        at += 1;
      }
      const name = expect("word").text;
      if (name !== "key" && name !== "value") throw new QueryError("expected key or value");
      expect("op", "=");
      found[name] = expect("string").text;
    }
    if (found.key === undefined || found.value === undefined) throw new QueryError("key, value");
    return { key: found.key, value: found.value };
  };

  if (tokens.length === 0) throw new QueryError("empty query");
  const query = or();
  if (at !== tokens.length) throw new QueryError("trailing tokens");
  return query;
}

/** RFC 3339; a time without an offset is UTC. */
function parseTime(text: string): number {
  const withZone = /([zZ]|[+-]\d{2}:\d{2})$/.test(text) ? text : `${text}Z`;
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?/.test(text)) return Number.NaN;
  return Date.parse(withZone);
}

function compare(left: number | string, op: string, right: number | string): boolean {
  switch (op) {
    case "=":
      return left === right;
    case "!=":
      return left !== right;
    case "<":
      return left < right;
    case "<=":
      return left <= right;
    case ">":
      return left > right;
    default:
      return left >= right;
  }
}

/** `name contains` matches a prefix of a word of the name, ignoring case. */
function containsPrefix(name: string, text: string): boolean {
  const needle = text.toLowerCase();
  return name
    .toLowerCase()
    .split(/[\s._-]+/)
    .concat(name.toLowerCase())
    .some((word) => word.startsWith(needle));
}

/** `aliases` maps ids such as `root` to the real id. */
export function matches(
  query: Query,
  file: QueryFile,
  aliases: Readonly<Record<string, string>>,
): boolean {
  switch (query.kind) {
    case "and":
      return matches(query.left, file, aliases) && matches(query.right, file, aliases);
    case "or":
      return matches(query.left, file, aliases) || matches(query.right, file, aliases);
    case "not":
      return !matches(query.query, file, aliases);
    case "in": {
      const value = aliases[query.value] ?? query.value;
      const list = file[query.field as "parents" | "owners" | "writers" | "readers"];
      return list.includes(value);
    }
    case "has":
      return file[query.field][query.key] === query.value;
    case "compare": {
      const { field, op, value } = query;
      if (value.kind === "boolean") {
        const actual =
          field === "trashed" ? file.trashed : field === "starred" ? file.starred : false;
        return op === "=" ? actual === value.value : actual !== value.value;
      }
      if (TIME_FIELDS.includes(field)) {
        const actual = file[field as "createdTime" | "modifiedTime" | "viewedByMeTime"];
        if (actual === undefined) return false;
        return compare(actual, op, parseTime(value.text));
      }
      if (field === "fullText")
        return file.fullText.toLowerCase().includes(value.text.toLowerCase());
      const actual = file[field as "name" | "mimeType" | "visibility"];
      if (op === "contains") {
        return field === "name"
          ? containsPrefix(actual, value.text)
          : actual.toLowerCase().includes(value.text.toLowerCase());
      }
      return compare(actual, op, value.text);
    }
  }
}
