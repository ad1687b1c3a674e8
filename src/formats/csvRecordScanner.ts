// The one reader of delimited text (CSV, TSV, SCSV, PSV with RFC 4180 double quotes). The schema
// sniffer reads a sample with it and the unparsed-values counter reads a whole file chunk by chunk:
// both must split records and number lines alike, or a line the counter names would not be the
// line the sniffer warned about. It is resumable, so a stream is read holding one record at most.

/** Where a scan stands: the 1-based line the unread text starts on. */
export interface CsvScanCursor {
  line: number;
}

/**
 * Called per record with its fields (one array reused between calls: copy it to keep it) and the
 * line the record starts on. Returning false stops the scan after this record.
 */
export type CsvRecordHandler = (fields: readonly string[], line: number) => boolean | void;

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Reads the complete records at the start of `text` and returns the offset of what is left unread:
 * with `final` false, a record that may go on in the next chunk (a quoted field still open, a last
 * line without its line end, a CR that may be half a CRLF) is left for the caller to prepend to
 * it. A line end is LF, CRLF or a lone CR, inside quotes too (for line numbers). A blank line is
 * no record, as the service skips it; a quote opens a quoted field only as its first character.
 */
export function scanCsvRecords(text: string, delimiter: number, final: boolean, cursor: CsvScanCursor, onRecord: CsvRecordHandler): number {
  const d = delimiter;
  const n = text.length;
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    const recordStart = i;
    const recordLine = cursor.line;
    let lines = 0;
    fields.length = 0;
    let quotedAny = false;
    let ended = false;
    for (;;) {
      let field = '';
      let start = i;
      if (i < n && text.charCodeAt(i) === QUOTE) {
        quotedAny = true;
        i++;
        start = i;
        const opened = i;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) {
            i = n;
            break;
          }
          field += text.slice(start, q);
          if (text.charCodeAt(q + 1) === QUOTE) {
            field += '"';
            i = q + 2;
            start = i;
          } else {
            i = q + 1;
            break;
          }
        }
        // Still open, or closed by the last character (perhaps the first of an escaped pair): wait.
        if (i >= n && !final) return recordStart;
        for (let k = opened; k < i; k++) {
          const c = text.charCodeAt(k);
          if (c === LF || (c === CR && text.charCodeAt(k + 1) !== LF)) lines++;
        }
        start = i;
      }
      // Unquoted (or what follows a closing quote, kept as text): up to a delimiter or a line end.
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c === d || c === LF || c === CR) break;
        i++;
      }
      field += text.slice(start, i);
      if (i >= n && !final) return recordStart;
      fields.push(field);
      if (i >= n) {
        ended = true;
        break;
      }
      const c = text.charCodeAt(i);
      i++;
      if (c === d) continue;
      if (c === CR && i >= n && !final) return recordStart;
      if (c === CR && text.charCodeAt(i) === LF) i++;
      lines++;
      break;
    }
    cursor.line = recordLine + lines;
    const blank = fields.length === 1 && fields[0] === '' && !quotedAny;
    if (!blank && onRecord(fields, recordLine) === false) return i;
    if (ended || i >= n) return i;
  }
}
