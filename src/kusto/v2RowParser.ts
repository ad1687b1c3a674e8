// Parses one v2 row (a JSON array of values) straight from the response text into the row model of
// src/engine/rows.ts. JSON.parse cannot do this: it turns long values above 2^53 into inexact
// numbers and re-serializing dynamic values would change their text. Parsing stops with
// INCOMPLETE when the text ends before the row does, so the caller can wait for more bytes.
import type { KustoType, KustoValue, Row } from '../engine/rows';

export const INCOMPLETE = -1;

export class RowSyntaxError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`malformed v2 response: ${message} (at offset ${offset})`);
    this.name = 'RowSyntaxError';
  }
}

// JSON's structural characters, as char codes (also bytes: they are ASCII).
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const OPEN_BRACKET = 0x5b;
export const CLOSE_BRACKET = 0x5d;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;
export const COMMA = 0x2c;

export function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

export function skipWhitespace(s: string, i: number): number {
  while (i < s.length && isWhitespace(s.charCodeAt(i))) i++;
  return i;
}

/** Index just past the string starting at `start` (a quote), or INCOMPLETE. */
export function endOfString(s: string, start: number): number {
  for (let i = start + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) i++;
  }
  return INCOMPLETE;
}

/** Index just past the JSON value starting at `start` (any kind), or INCOMPLETE. */
export function endOfValue(s: string, start: number): number {
  const first = s.charCodeAt(start);
  if (first === QUOTE) return endOfString(s, start);
  if (first === OPEN_BRACKET || first === OPEN_BRACE) {
    let depth = 0;
    for (let i = start; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === QUOTE) {
        const end = endOfString(s, i);
        if (end === INCOMPLETE) return INCOMPLETE;
        i = end - 1;
      } else if (c === OPEN_BRACKET || c === OPEN_BRACE) depth++;
      else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return INCOMPLETE;
  }
  // A literal (number, true, false, null) ends at a delimiter; at the end of the text it may go on.
  let i = start;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === COMMA || c === CLOSE_BRACKET || c === CLOSE_BRACE || isWhitespace(c)) return i;
    i++;
  }
  return INCOMPLETE;
}

/** Decodes the JSON string between `start` (the opening quote) and `end` (just past the closing one). */
export function decodeString(s: string, start: number, end: number): string {
  const body = s.slice(start + 1, end - 1);
  if (body.indexOf('\\') < 0) return body;
  let out = '';
  let i = 0;
  while (i < body.length) {
    const slash = body.indexOf('\\', i);
    if (slash < 0) {
      out += body.slice(i);
      break;
    }
    out += body.slice(i, slash);
    const e = body[slash + 1];
    switch (e) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'u': {
        const hex = body.slice(slash + 2, slash + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new RowSyntaxError(`bad \\u escape "${hex}"`, start + slash);
        // Surrogate halves arrive as two escapes; JS strings are UTF-16, so concatenation pairs them.
        out += String.fromCharCode(parseInt(hex, 16));
        i = slash + 6;
        continue;
      }
      default:
        throw new RowSyntaxError(`bad escape "\\${e ?? ''}"`, start + slash);
    }
    i = slash + 2;
  }
  return out;
}

const REAL_WORDS: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '+Infinity': Infinity };

/** Largest digit count whose every value is exact in a double (< 2^53). */
const SAFE_DIGITS = 15;

/** A long as the row model holds it: a number when exact (at most 15 digits), a bigint beyond. */
function longFromText(text: string, offset: number): number | bigint {
  if (/^-?\d+$/.test(text)) return text.length - (text.charCodeAt(0) === 45 ? 1 : 0) <= SAFE_DIGITS ? Number(text) : BigInt(text);
  const n = Number(text);
  if (!Number.isFinite(n)) throw new RowSyntaxError(`"${text}" is not a long`, offset);
  const whole = Math.trunc(n);
  return Number.isSafeInteger(whole) ? whole : BigInt(whole);
}

function literalValue(type: KustoType, text: string, offset: number): KustoValue {
  if (text === 'null') return type === 'string' ? '' : null;
  if (text === 'true' || text === 'false') return type === 'dynamic' ? text : type === 'string' ? text : text === 'true';
  switch (type) {
    case 'long':
      return longFromText(text, offset);
    case 'int':
    case 'real': {
      const n = Number(text);
      if (Number.isNaN(n)) throw new RowSyntaxError(`"${text}" is not a number`, offset);
      return n;
    }
    case 'bool':
      return text !== '0';
    default:
      // decimal, dynamic and the textual types keep the number's text exactly as sent.
      return text;
  }
}

function stringValue(type: KustoType, s: string, start: number, end: number): KustoValue {
  if (type === 'dynamic') return s.slice(start, end);
  const text = decodeString(s, start, end);
  switch (type) {
    case 'real': {
      const word = REAL_WORDS[text];
      return word !== undefined ? word : Number(text);
    }
    case 'long':
      return longFromText(text, start);
    case 'int':
      return Number(text);
    case 'bool':
      return text.toLowerCase() === 'true' || text === '1';
    default:
      return text;
  }
}

export interface ParsedRow {
  /** The row, or undefined when the element was an object (see `objectText`). */
  row?: Row;
  /** Raw JSON of an object element, e.g. `{"OneApiErrors":[...]}` appended to a failed table. */
  objectText?: string;
  /** Index just past the element. */
  end: number;
}

/**
 * Parses the row element starting at `start` (after whitespace). Returns INCOMPLETE when the text
 * ends inside it. Values beyond the known columns are kept as dynamic text; missing ones are null.
 */
export function parseRow(s: string, start: number, types: readonly KustoType[]): ParsedRow | typeof INCOMPLETE {
  const first = s.charCodeAt(start);
  if (first === OPEN_BRACE) {
    const end = endOfValue(s, start);
    if (end === INCOMPLETE) return INCOMPLETE;
    return { objectText: s.slice(start, end), end };
  }
  if (first !== OPEN_BRACKET) throw new RowSyntaxError(`a row must be an array, found "${s[start]}"`, start);
  const row: Row = [];
  let i = skipWhitespace(s, start + 1);
  if (i >= s.length) return INCOMPLETE;
  if (s.charCodeAt(i) === CLOSE_BRACKET) return { row: fillMissing(row, types.length), end: i + 1 };
  for (;;) {
    if (i >= s.length) return INCOMPLETE;
    const type = types[row.length] ?? 'dynamic';
    const c = s.charCodeAt(i);
    let end: number;
    if (c === QUOTE) {
      end = endOfString(s, i);
      if (end === INCOMPLETE) return INCOMPLETE;
      row.push(stringValue(type, s, i, end));
    } else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      end = endOfValue(s, i);
      if (end === INCOMPLETE) return INCOMPLETE;
      const raw = s.slice(i, end);
      // Only dynamic columns carry objects; keep their exact JSON text either way.
      row.push(raw);
    } else {
      end = endOfValue(s, i);
      if (end === INCOMPLETE) return INCOMPLETE;
      if (end === i) throw new RowSyntaxError(`unexpected "${s[i]}" in a row`, i);
      row.push(literalValue(type, s.slice(i, end), i));
    }
    i = skipWhitespace(s, end);
    if (i >= s.length) return INCOMPLETE;
    const sep = s.charCodeAt(i);
    if (sep === COMMA) {
      i = skipWhitespace(s, i + 1);
      continue;
    }
    if (sep === CLOSE_BRACKET) return { row: fillMissing(row, types.length), end: i + 1 };
    throw new RowSyntaxError(`expected "," or "]" in a row, found "${s[i]}"`, i);
  }
}

function fillMissing(row: Row, width: number): Row {
  while (row.length < width) row.push(null);
  return row;
}

// Column kinds of the fast path, as small integers so the per-value switch stays cheap.
const FAST_BOOL = 0;
const FAST_INTEGER = 1;
const FAST_LONG = 2;
const FAST_REAL = 3;
const FAST_TEXT = 4;
const FAST_DYNAMIC = 5;
/** string: a null arrives as "" (Kusto has no null strings); the other textual types keep null. */
const FAST_STRING = 6;

/** No backslash after the position it was searched from: every later string is escape-free. */
const NONE_LEFT = Number.MAX_SAFE_INTEGER;

function nextBackslash(s: string, from: number): number {
  const at = s.indexOf('\\', from);
  return at < 0 ? NONE_LEFT : at;
}

function fastKind(type: KustoType): number {
  switch (type) {
    case 'bool': return FAST_BOOL;
    case 'int': return FAST_INTEGER;
    case 'long': return FAST_LONG;
    case 'real': return FAST_REAL;
    case 'dynamic': return FAST_DYNAMIC;
    case 'string': return FAST_STRING;
    default: return FAST_TEXT;
  }
}

/**
 * The common shape of a row, parsed without intermediate strings: `[v1,v2,...]` with exactly one
 * value per column, no whitespace, integers of at most 15 digits, strings without escapes, no
 * objects or arrays. Anything else (or a row cut by the chunk's end) returns undefined and the
 * caller parses the row with `parseRow`, which handles every case; both give the same values.
 */
export class FastRowParser {
  /** Index just past the row last parsed. */
  end = 0;
  private readonly kinds: number[];
  /** Where the next backslash of `backslashText` is (NONE_LEFT: none), found once rather than per value. */
  private backslashAt = NONE_LEFT;
  private backslashText = '';

  constructor(types: readonly KustoType[]) {
    this.kinds = types.map(fastKind);
  }

  /**
   * Parses consecutive rows (`[..],[..]`) from `start` while they have the common shape, appending
   * at most `max` to `out`. Returns where it stopped: just past the last row parsed, or at the start
   * of the row it left (after its comma), or `start` when none was parsed.
   */
  parseRun(s: string, start: number, out: Row[], max: number): number {
    let i = start;
    for (let count = 0; count < max; count++) {
      const row = this.parse(s, i);
      if (!row) return i;
      out.push(row);
      i = this.end;
      if (s.charCodeAt(i) !== COMMA || s.charCodeAt(i + 1) !== OPEN_BRACKET) return i;
      i++;
    }
    return i;
  }

  parse(s: string, start: number): Row | undefined {
    const kinds = this.kinds;
    const width = kinds.length;
    if (width === 0 || s.charCodeAt(start) !== OPEN_BRACKET) return undefined;
    if (s !== this.backslashText) {
      this.backslashText = s;
      this.backslashAt = nextBackslash(s, start);
    }
    const row: Row = new Array<KustoValue>(width);
    const n = s.length;
    let i = start + 1;
    for (let col = 0; col < width; col++) {
      if (i >= n) return undefined;
      const c = s.charCodeAt(i);
      const kind = kinds[col];
      if (c === 0x6e /* n */) {
        if (s.charCodeAt(i + 1) !== 0x75 || s.charCodeAt(i + 2) !== 0x6c || s.charCodeAt(i + 3) !== 0x6c) return undefined;
        row[col] = kind === FAST_STRING ? '' : null;
        i += 4;
      } else if (c === QUOTE) {
        if (kind !== FAST_TEXT && kind !== FAST_STRING && kind !== FAST_DYNAMIC) return undefined;
        // indexOf searches natively, several times faster than a charCodeAt loop over the value.
        const j = s.indexOf('"', i + 1);
        if (j < 0) return undefined;
        if (this.backslashAt < i) this.backslashAt = nextBackslash(s, i);
        if (this.backslashAt < j) return undefined;
        // dynamic keeps the JSON text of the value (quotes included), as parseRow does.
        row[col] = kind === FAST_DYNAMIC ? s.slice(i, j + 1) : s.slice(i + 1, j);
        i = j + 1;
      } else if (kind === FAST_INTEGER || kind === FAST_LONG) {
        let j = i;
        const negative = c === 0x2d;
        if (negative) j++;
        let value = 0;
        const digitsStart = j;
        for (; j < n; j++) {
          const d = s.charCodeAt(j) - 48;
          if (d < 0 || d > 9) break;
          value = value * 10 + d;
        }
        const digits = j - digitsStart;
        if (digits === 0 || j >= n) return undefined;
        if (digits > SAFE_DIGITS) {
          if (kind !== FAST_LONG) return undefined;
          const next = s.charCodeAt(j);
          if (next !== COMMA && next !== CLOSE_BRACKET) return undefined;
          row[col] = BigInt(s.slice(i, j));
        } else row[col] = negative ? -value : value;
        i = j;
      } else if (kind === FAST_REAL) {
        // The value ends at the row's next delimiter; a slice holding anything but a number is NaN.
        const j = s.indexOf(col === width - 1 ? ']' : ',', i);
        if (j <= i) return undefined;
        const value = Number(s.slice(i, j));
        if (Number.isNaN(value)) return undefined;
        row[col] = value;
        i = j;
      } else if (kind === FAST_BOOL) {
        if (c === 0x74 /* t */ && s.charCodeAt(i + 1) === 0x72 && s.charCodeAt(i + 2) === 0x75 && s.charCodeAt(i + 3) === 0x65) {
          row[col] = true;
          i += 4;
        } else if (c === 0x66 /* f */ && s.charCodeAt(i + 1) === 0x61 && s.charCodeAt(i + 2) === 0x6c && s.charCodeAt(i + 3) === 0x73 && s.charCodeAt(i + 4) === 0x65) {
          row[col] = false;
          i += 5;
        } else return undefined;
      } else return undefined;
      if (i >= n) return undefined;
      const sep = s.charCodeAt(i);
      if (sep === COMMA) {
        if (col === width - 1) return undefined;
        i++;
      } else if (sep !== CLOSE_BRACKET || col !== width - 1) return undefined;
    }
    this.end = i + 1;
    return row;
  }
}
