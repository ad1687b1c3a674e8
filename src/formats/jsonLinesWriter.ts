// JSON lines: one object per row, keys are the column names, every column present (null as null).
// Exactness rules: long is written as JSON number text from the bigint (exact beyond 2^53);
// decimal is a JSON *string* ("12.50"), because most JSON readers parse numbers into doubles;
// dynamic is embedded as JSON (the reader already serialized it), not as a string;
// datetime, timespan, guid and string are JSON strings; real NaN/±Infinity, which JSON numbers
// cannot hold, are the strings "NaN", "Infinity", "-Infinity" as Kusto's own JSON does.
import type { Writable } from 'node:stream';
import type { ColumnSchema, RowBatch } from '../engine/rows';
import { OutputSink, type StreamCompression } from './outputSink';
import type { RecordFileWriter, WriteSummary } from './recordFileWriter';

const CHUNK_CHARS = 1 << 20;
const LINE_BREAK = /[\r\n]/g;

export class JsonLinesWriter implements RecordFileWriter {
  private readonly sink: OutputSink;
  private readonly columns: readonly ColumnSchema[];
  /** `{"name":` and `,"name":` prefixes, encoded once. */
  private readonly keyPrefixes: string[];
  private rows = 0;

  constructor(output: Writable, columns: readonly ColumnSchema[], compression: StreamCompression = 'none') {
    this.sink = new OutputSink(output, compression);
    this.columns = columns;
    this.keyPrefixes = columns.map((c, i) => `${i === 0 ? '{' : ','}${JSON.stringify(c.name)}:`);
  }

  async write(batch: RowBatch): Promise<void> {
    const columns = this.columns;
    const prefixes = this.keyPrefixes;
    const width = columns.length;
    let text = '';
    for (const row of batch) {
      if (width === 0) text += '{';
      for (let i = 0; i < width; i++) {
        text += prefixes[i];
        const value = row[i];
        if (value === null || value === undefined) {
          text += 'null';
          continue;
        }
        switch (columns[i].type) {
          case 'bool':
          case 'int':
          case 'long':
            text += String(value);
            break;
          case 'real':
            text += Number.isFinite(value) ? String(value) : `"${String(value)}"`;
            break;
          case 'dynamic': {
            const json = String(value);
            // JSON text may hold raw line breaks only as whitespace between tokens (inside strings
            // they are escaped), so replacing them with spaces keeps the value and the one-line rule.
            text += json.length === 0 ? 'null' : json.indexOf('\n') >= 0 || json.indexOf('\r') >= 0 ? json.replace(LINE_BREAK, ' ') : json;
            break;
          }
          default:
            text += JSON.stringify(String(value));
        }
      }
      text += '}\n';
      if (text.length >= CHUNK_CHARS) {
        await this.sink.write(Buffer.from(text, 'utf8'));
        text = '';
      }
    }
    this.rows += batch.length;
    if (text.length > 0) await this.sink.write(Buffer.from(text, 'utf8'));
  }

  async writeText(text: Uint8Array, rows: number, onWritten?: () => void): Promise<void> {
    await this.sink.writeQueued(text, onWritten);
    this.rows += rows;
  }

  async close(): Promise<WriteSummary> {
    const bytes = await this.sink.finish();
    return { rows: this.rows, bytes };
  }

  async abort(): Promise<void> {
    await this.sink.destroy();
  }
}
