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

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const COMMA = 0x2c;

function isWhitespace(c: number): boolean {
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

function longFromText(text: string, offset: number): bigint {
  if (/^-?\d+$/.test(text)) return BigInt(text);
  const n = Number(text);
  if (!Number.isFinite(n)) throw new RowSyntaxError(`"${text}" is not a long`, offset);
  return BigInt(Math.trunc(n));
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
