// The one finder of the top-level objects of a JSON lines or multi-line JSON text (objects one
// after another, or in a top-level array). The schema sniffer reads a sample with it and the
// unparsed-values counter reads a whole file chunk by chunk: both must see the same records on the
// same lines. It is resumable, so a stream is read holding one record at most.

/** Where a scan stands: the 1-based line the unread text starts on. */
export interface JsonScanCursor {
  line: number;
}

/** Called per object with its span in the text and the line it starts on; false stops the scan. */
export type JsonObjectHandler = (start: number, end: number, line: number) => boolean | void;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Reads the complete top-level objects of `text` and returns the offset of what is left unread:
 * with `final` false, an object still open at the end (or a CR that may be half a CRLF) is left
 * for the caller to prepend to the next chunk; with `final` true an object cut short is no record.
 * Between objects only an opening brace counts: white space, commas, array brackets and anything
 * else (a record is an object) are skipped. Inside one, only braces are counted, outside strings,
 * so a bracket that does not match does not swallow the records after it. Line ends are LF, CRLF
 * or a lone CR.
 */
export function scanJsonObjects(text: string, final: boolean, cursor: JsonScanCursor, onObject: JsonObjectHandler): number {
  const n = text.length;
  let i = 0;
  for (;;) {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === OPEN) break;
      if (c === CR && i + 1 >= n && !final) return i;
      if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) cursor.line++;
      i++;
    }
    if (i >= n) return n;
    const start = i;
    const startLine = cursor.line;
    let lines = 0;
    let depth = 0;
    let inString = false;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c <= CR) {
        if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) lines++;
      } else if (inString) {
        if (c === BACKSLASH) i++;
        else if (c === QUOTE) inString = false;
      } else if (c === QUOTE) inString = true;
      else if (c === OPEN) depth++;
      else if (c === CLOSE && --depth === 0) break;
    }
    if (i >= n) return final ? n : start;
    i++;
    cursor.line = startLine + lines;
    if (onObject(start, i, startLine) === false) return i;
  }
}
