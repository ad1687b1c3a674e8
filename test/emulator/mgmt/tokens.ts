// A tokenizer and cursor for management commands: words (with hyphens, e.g. set-or-append),
// string literals ('..', "..", h@"..", @'..'), bracketed names (['my table']), numbers and marks.
import { parseCslType } from '../kql/values';
import type { KustoColumn } from '../kql/contract';
import { badRequest } from '../server/errors';
import { KEYWORD_NAMES } from '../store/entityNames';

export interface Token {
  kind: 'word' | 'string' | 'name' | 'number' | 'mark';
  text: string; // the value (unquoted for strings and names)
  start: number;
}

function readQuoted(text: string, i: number, verbatim: boolean): { value: string; end: number } {
  const quote = text[i];
  let value = '';
  let j = i + 1;
  while (j < text.length) {
    const c = text[j];
    if (c === quote) {
      if (verbatim && text[j + 1] === quote) { value += quote; j += 2; continue; }
      return { value, end: j + 1 };
    }
    if (c === '\\' && !verbatim) {
      const n = text[j + 1];
      value += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n;
      j += 2;
      continue;
    }
    value += c;
    j++;
  }
  throw badRequest(`Syntax error: unterminated string literal at ${i}`);
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) { i++; continue; }
    const literal = /^([hH]?@?)(['"])/.exec(text.slice(i, i + 3));
    if (literal && (literal[1] !== '' || c === '"' || c === "'")) {
      const { value, end } = readQuoted(text, i + literal[1].length, literal[1].includes('@'));
      tokens.push({ kind: 'string', text: value, start: i });
      i = end;
      continue;
    }
    if (c === '[' && (text[i + 1] === "'" || text[i + 1] === '"')) {
      const { value, end } = readQuoted(text, i + 1, false);
      // `['v', 1]` (a datatable's values after `<|`) is a bracket and a string, not a quoted name.
      if (text[end] === ']') {
        tokens.push({ kind: 'name', text: value, start: i });
        i = end + 1;
        continue;
      }
    }
    // An unquoted GUID (`.show operations 0fadc2fc-...`) may start with a digit: one word, not a number.
    const word = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-])/.exec(text.slice(i)) ?? /^[A-Za-z_$][\w$-]*/.exec(text.slice(i));
    if (word) {
      tokens.push({ kind: 'word', text: word[0], start: i });
      i += word[0].length;
      continue;
    }
    const number = /^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (number) {
      tokens.push({ kind: 'number', text: number[0], start: i });
      i += number[0].length;
      continue;
    }
    if (text.startsWith('<|', i)) {
      tokens.push({ kind: 'mark', text: '<|', start: i });
      i += 2;
      continue;
    }
    tokens.push({ kind: 'mark', text: c, start: i });
    i++;
  }
  return tokens;
}

/** Splits `head <| tail` at the first `<|` outside string literals. */
export function splitPipe(text: string): { head: string; tail?: string } {
  for (const t of tokenize(text)) {
    if (t.kind === 'mark' && t.text === '<|') return { head: text.slice(0, t.start), tail: text.slice(t.start + 2).trim() };
  }
  return { head: text };
}

export class Cursor {
  private i = 0;
  constructor(private readonly tokens: Token[], private readonly source: string) {}

  static of(text: string): Cursor {
    return new Cursor(tokenize(text), text);
  }

  get done(): boolean {
    return this.i >= this.tokens.length;
  }

  peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }

  /** True (and consumed) when the next tokens are these words/marks, case-insensitively. */
  accept(...words: string[]): boolean {
    for (let k = 0; k < words.length; k++) {
      const t = this.tokens[this.i + k];
      if (!t || (t.kind !== 'word' && t.kind !== 'mark') || t.text.toLowerCase() !== words[k].toLowerCase()) return false;
    }
    this.i += words.length;
    return true;
  }

  expect(...words: string[]): void {
    if (!this.accept(...words)) throw this.error(`expected '${words.join(' ')}'`);
  }

  error(what: string): Error {
    const t = this.peek();
    return badRequest(`Syntax error: SYN0002: ${what} at '${t ? t.text : '<end>'}' in command '${this.source.slice(0, 80)}'`);
  }

  /** An entity name: identifier, ['quoted'] name, or a plain string. A keyword must be quoted. */
  name(): string {
    const t = this.peek();
    if (!t || (t.kind !== 'word' && t.kind !== 'name' && t.kind !== 'string')) throw this.error('expected a name');
    if (t.kind === 'word' && KEYWORD_NAMES.has(t.text)) throw this.error(`'${t.text}' is a keyword: quote it as ['${t.text}'] to use it as a name`);
    this.i++;
    return t.text;
  }

  /** A property or setting key (`with (folder=...)`): any word or quoted name. */
  key(): string {
    const t = this.peek();
    if (!t || (t.kind !== 'word' && t.kind !== 'name' && t.kind !== 'string')) throw this.error('expected a property name');
    this.i++;
    return t.text;
  }

  /** A GUID (or other id) that may start with a digit: the raw text up to a space, comma or parenthesis. */
  id(): string {
    const t = this.peek();
    if (!t) throw this.error('expected an id');
    if (t.kind === 'string' || t.kind === 'name') {
      this.i++;
      return t.text;
    }
    const raw = /^[^\s,()]+/.exec(this.source.slice(t.start))?.[0] ?? '';
    const end = t.start + raw.length;
    while (this.i < this.tokens.length && this.tokens[this.i].start < end) this.i++;
    return raw;
  }

  /** `(id, id, ...)` of GUIDs. */
  idList(): string[] {
    this.expect('(');
    const ids: string[] = [];
    if (this.accept(')')) return ids;
    do ids.push(this.id()); while (this.accept(','));
    this.expect(')');
    return ids;
  }

  string(): string {
    const t = this.peek();
    if (!t || t.kind !== 'string') throw this.error('expected a string literal');
    this.i++;
    return t.text;
  }

  word(): string {
    const t = this.peek();
    if (!t || t.kind !== 'word') throw this.error('expected a word');
    this.i++;
    return t.text;
  }

  /** Any single value: string, number, word (true/false/1d...). */
  value(): string {
    const t = this.peek();
    if (!t || t.kind === 'mark') throw this.error('expected a value');
    this.i++;
    // A number directly followed by a unit word (10d, 1h) is one timespan literal.
    const next = this.peek();
    if (t.kind === 'number' && next?.kind === 'word' && next.start === t.start + t.text.length) {
      this.i++;
      return t.text + next.text;
    }
    return t.text;
  }

  /** `(a:string, ['b']:long)` */
  columns(): KustoColumn[] {
    this.expect('(');
    const columns: KustoColumn[] = [];
    if (this.accept(')')) return columns;
    do {
      const name = this.name();
      this.expect(':');
      const type = parseCslType(this.word());
      columns.push({ name, type });
    } while (this.accept(','));
    this.expect(')');
    return columns;
  }

  /** `(A, B, 'c')` → names. */
  nameList(): string[] {
    this.expect('(');
    const names: string[] = [];
    if (this.accept(')')) return names;
    do names.push(this.name()); while (this.accept(','));
    this.expect(')');
    return names;
  }

  /** `with (k=v, k2="v")` when present. Keys are lower-cased. */
  withProperties(): Record<string, string> {
    const props: Record<string, string> = {};
    if (!this.accept('with')) return props;
    this.expect('(');
    if (this.accept(')')) return props;
    do {
      const key = this.key().toLowerCase();
      this.expect('=');
      props[key] = this.value();
    } while (this.accept(','));
    this.expect(')');
    return props;
  }

  /** The source text from the current token on. */
  rest(): string {
    const t = this.peek();
    return t ? this.source.slice(t.start).trim() : '';
  }

  end(): void {
    if (!this.done) throw this.error('unexpected text');
  }
}
