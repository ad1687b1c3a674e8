// Counts the rows of the PrimaryResult table in a saved Kusto v2 response, streaming (the 10 M-row
// body is larger than V8's largest string, so it cannot be JSON.parse'd). It tracks JSON nesting
// only: a frame is an object at depth 2, its "Rows" array is at depth 3, each row an array at
// depth 4 (columns are objects there; dynamic values inside a row are deeper).
import { createReadStream } from 'node:fs';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export async function countPrimaryRows(file: string): Promise<number> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let collecting = false;
  let text = '';
  let lastString = '';
  let key = '';
  let primary = false;
  let rows = 0;
  for await (const chunk of createReadStream(file)) {
    const bytes = chunk as Buffer;
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) {
          inString = false;
          if (collecting) lastString = text;
        } else if (collecting) text += String.fromCharCode(c);
        continue;
      }
      switch (c) {
        case QUOTE:
          inString = true;
          // Only a frame's own keys and values (short, ASCII) are read as text.
          collecting = depth === 2;
          text = '';
          break;
        case 0x3a: // ':' after a frame key
          if (depth === 2) key = lastString;
          break;
        case 0x2c: // ',' after a frame value
          if (depth === 2 && key === 'TableKind') primary = lastString === 'PrimaryResult';
          break;
        case 0x7b: // '{'
          depth++;
          if (depth === 2) {
            primary = false;
            key = '';
          }
          break;
        case 0x5b: // '['
          depth++;
          if (depth === 4 && primary) rows++;
          break;
        case 0x7d: // '}'
        case 0x5d: // ']'
          depth--;
          break;
      }
    }
  }
  return rows;
}
