// CSV per RFC 4180 with one deliberate choice: lines end in LF, as Spark's own CSV writer does;
// Spark and Kusto ingestion both read LF and CRLF. A header row names the columns. UTF-8, no BOM.
// A cell is quoted when it holds a comma, a quote, CR or LF, and quotes are doubled ("" inside).
// Spark reads that with .option("escape", "\"") (its default escape is a backslash).
// Null is an empty cell; an empty string is "" so that the two stay distinguishable.
import type { Writable } from 'node:stream';
import type { ColumnSchema, RowBatch } from '../engine/rows';
import { kustoValueText } from './kustoValueText';
import { OutputSink, type StreamCompression } from './outputSink';
import type { RecordFileWriter, WriteSummary } from './recordFileWriter';

const NEEDS_QUOTES = /[",\r\n]/;
const QUOTE = /"/g;
/** Encode to bytes in chunks of about this many characters: few writes, bounded memory. */
const CHUNK_CHARS = 1 << 20;

export function csvCell(text: string): string {
  if (text.length === 0) return '""';
  return NEEDS_QUOTES.test(text) ? `"${text.replace(QUOTE, '""')}"` : text;
}

export class CsvWriter implements RecordFileWriter {
  private readonly sink: OutputSink;
  private readonly columns: readonly ColumnSchema[];
  private rows = 0;
  private headerWritten = false;

  constructor(output: Writable, columns: readonly ColumnSchema[], compression: StreamCompression = 'none') {
    this.sink = new OutputSink(output, compression);
    this.columns = columns;
  }

  async write(batch: RowBatch): Promise<void> {
    let text = '';
    if (!this.headerWritten) {
      text = this.columns.map((c) => csvCell(c.name)).join(',') + '\n';
      this.headerWritten = true;
    }
    const columns = this.columns;
    const width = columns.length;
    for (const row of batch) {
      for (let i = 0; i < width; i++) {
        if (i > 0) text += ',';
        const value = row[i];
        if (value === null || value === undefined) continue;
        const type = columns[i].type;
        if (type === 'long' || type === 'int' || type === 'bool') text += kustoValueText(type, value);
        else text += csvCell(kustoValueText(type, value));
      }
      text += '\n';
      if (text.length >= CHUNK_CHARS) {
        await this.sink.write(Buffer.from(text, 'utf8'));
        text = '';
      }
    }
    this.rows += batch.length;
    if (text.length > 0) await this.sink.write(Buffer.from(text, 'utf8'));
  }

  async writeText(text: Uint8Array, rows: number, onWritten?: () => void): Promise<void> {
    if (!this.headerWritten) {
      // Through writeQueued too, so that it counts as the output being written.
      this.headerWritten = true;
      await this.sink.writeQueued(Buffer.from(this.columns.map((c) => csvCell(c.name)).join(',') + '\n', 'utf8'));
    }
    await this.sink.writeQueued(text, onWritten);
    this.rows += rows;
  }

  async close(): Promise<WriteSummary> {
    if (!this.headerWritten) await this.write([]);
    const bytes = await this.sink.finish();
    return { rows: this.rows, bytes };
  }

  async abort(): Promise<void> {
    await this.sink.destroy();
  }
}
