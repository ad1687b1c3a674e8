// Streaming parsers for the text ingestion formats: delimited records (CSV and friends) and JSON
// objects (json lines, multijson: objects one after another or in a top-level array).

/** RFC 4180 records: quoted fields with doubled quotes, line breaks inside quotes, CRLF or LF. */
export class DelimitedParser {
  private field = '';
  private record: string[] = [];
  private inQuotes = false;
  private quoteSeen = false; // just closed a quote: a second one is an escaped quote
  private atFieldStart = true;
  private sawAny = false;

  constructor(private readonly delimiter: string, private readonly quoting = true) {}

  /** Feeds text; returns the records completed by it. */
  feed(text: string): string[][] {
    const out: string[][] = [];
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (this.inQuotes) {
        if (c === '"') {
          this.inQuotes = false;
          this.quoteSeen = true;
        } else {
          this.field += c;
        }
        continue;
      }
      if (c === '"' && this.quoting && (this.atFieldStart || this.quoteSeen)) {
        if (this.quoteSeen) this.field += '"';
        this.inQuotes = true;
        this.quoteSeen = false;
        this.atFieldStart = false;
        this.sawAny = true;
        continue;
      }
      this.quoteSeen = false;
      if (c === this.delimiter) {
        this.record.push(this.field);
        this.field = '';
        this.atFieldStart = true;
        this.sawAny = true;
        continue;
      }
      if (c === '\n' || c === '\r') {
        if (c === '\r' && text[i + 1] === '\n') i++;
        if (this.sawAny || this.field !== '' || this.record.length) {
          this.record.push(this.field);
          out.push(this.record);
        }
        this.record = [];
        this.field = '';
        this.atFieldStart = true;
        this.sawAny = false;
        continue;
      }
      this.field += c;
      this.atFieldStart = false;
      this.sawAny = true;
    }
    return out;
  }

  end(): string[][] {
    if (this.inQuotes) throw new Error('unterminated quoted field at end of data');
    if (this.sawAny || this.field !== '' || this.record.length) {
      this.record.push(this.field);
      const last = this.record;
      this.record = [];
      this.field = '';
      this.sawAny = false;
      return [last];
    }
    return [];
  }
}

/** Marks a JSON number too long for a double, so that it survives JSON.parse as text. */
export const BIG_NUMBER_PREFIX = '\u0000bignum:';

/**
 * Splits a character stream into top-level JSON values (objects one after another, one per line,
 * or inside a top-level array). Integer literals of 16+ digits are wrapped in a marked string so
 * that longs above 2^53 stay exact.
 */
export class JsonValueSplitter {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private current = '';
  private arrayWrapper = false;
  private started = false;
  private numberRun = '';

  feed(text: string): string[] {
    const out: string[] = [];
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (this.inString) {
        this.current += c;
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
        continue;
      }
      if (this.depth > 0 && /[-0-9.eE+]/.test(c)) {
        this.numberRun += c;
        continue;
      }
      this.flushNumber();
      if (this.depth === 0) {
        if (/\s|,/.test(c)) continue;
        if (c === '[' && !this.started && !this.arrayWrapper) {
          this.arrayWrapper = true;
          continue;
        }
        if (c === ']' && this.arrayWrapper) continue;
        this.started = true;
        if (c !== '{' && c !== '[') throw new Error(`unexpected '${c}' between JSON records`);
      }
      this.current += c;
      if (c === '"') this.inString = true;
      else if (c === '{' || c === '[') this.depth++;
      else if (c === '}' || c === ']') {
        this.depth--;
        if (this.depth === 0) {
          out.push(this.current);
          this.current = '';
        }
      }
    }
    return out;
  }

  private flushNumber(): void {
    if (!this.numberRun) return;
    const n = this.numberRun;
    this.numberRun = '';
    this.current += /^-?\d{16,}$/.test(n) ? JSON.stringify(BIG_NUMBER_PREFIX + n) : n;
  }

  end(): void {
    this.flushNumber();
    if (this.depth !== 0 || this.inString || this.current.trim() !== '') throw new Error('JSON data ends inside a record');
  }
}
