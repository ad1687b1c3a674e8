// Reads a query response body into events (streamingQueryReader.ts makes the request). With span
// options, the primary table's rows go to worker threads in spans (see ResponseReader).
import type { ColumnSchema } from '../engine/rows';
import { type RowSpanResult, RowSpanEncoderPool } from '../formats/parquet/rowSpanEncoding';
import type { ParquetSpanOptions, QueryEvent } from './streamingQueryReader';
import type { ResumeRows, V2Event, V2ResponseParser } from './v2ResponseParser';

/** Bytes of response a worker turns into one Parquet row group by default (about 100 k rows of 8 columns). */
export const DEFAULT_SPAN_BYTES = 8 << 20;
/** `],[` between two rows: where spans are cut. */
const ROW_SEPARATOR = Buffer.from('],[', 'latin1');
/** A remainder at the end of the input this large is cut into two spans, so two threads share it. */
const SPLIT_TAIL_BYTES = 1 << 20;
/** Spans start after this much of the body (or a span's worth, if less): a small result is parsed here, without threads. */
const SPANS_AFTER_BYTES = 1 << 20;
/** Gathering a span taking longer than this means the data trickles in: what is there is parsed here, so progress shows. */
const TRICKLE_MS = 1000;

/** Length of the part of `bytes` that ends with a whole UTF-8 character (a character cut at the end waits). */
export function completeUtf8Length(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let k = 1; k <= Math.min(4, n); k++) {
    const c = bytes[n - k];
    if ((c & 0xc0) === 0x80) continue;
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return need > k ? n - k : n;
  }
  return n;
}

/** UTF-8 chunks cut anywhere, decoded: the bytes of a character cut at a chunk's end wait for the next chunk. */
class Utf8Chunks {
  private carry: Buffer | undefined;

  decode(chunk: Buffer): string {
    const bytes = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    const complete = completeUtf8Length(bytes);
    this.carry = complete < bytes.length ? Buffer.from(bytes.subarray(complete)) : undefined;
    return bytes.toString('utf8', 0, complete);
  }

  /** The bytes held back, taken out (they come before the next chunk). */
  takeCarry(): Buffer | undefined {
    const carry = this.carry;
    this.carry = undefined;
    return carry;
  }

  end(): string {
    return this.takeCarry()?.toString('utf8') ?? '';
  }
}

interface PendingSpan {
  bytes: Buffer;
  tableId: number;
  result: Promise<RowSpanResult>;
}

/**
 * Reads the response body into events. With span options, the primary table's rows are not parsed
 * on this thread: its bytes are gathered, cut at the last `],[` within a span's length, and each
 * span goes to a worker that parses and encodes it as a Parquet row group. The cut is found by a
 * plain search, so it may fall inside a string: only the oldest span in flight is known to start
 * at a row; each later one holds if the one before it parsed to its very end. A span that stops
 * early (the rows ended, a wrong cut, a row left to this thread) gives back its unparsed part with
 * every later span and the bytes gathered since (their results are dropped): the parser goes on
 * from exactly there. So every row is parsed once into the output, whatever the text holds.
 */
export class ResponseReader {
  private readonly utf8 = new Utf8Chunks();
  private readonly spanBytes: number;
  private pool: RowSpanEncoderPool | undefined;
  private poolTried = false;
  private gathering = false;
  private gathered: Buffer[] = [];
  private gatheredBytes = 0;
  private table: { id: number; columns: ColumnSchema[] } | undefined;
  private readonly pending: PendingSpan[] = [];
  private inputEnded = false;
  private received = 0;
  private spansStarted = false;
  private gatherStartedAt = 0;
  /** No span could be cut (a row longer than a span) while spans were in flight. */
  private waitingForRowStart = false;
  /** The remainder at the end of the input was split in two once already. */
  private tailSplit = false;

  constructor(
    private readonly parser: V2ResponseParser,
    private readonly spans: ParquetSpanOptions | undefined,
  ) {
    this.spanBytes = Math.max(256, spans?.spanBytes ?? DEFAULT_SPAN_BYTES);
  }

  async *push(chunk: Buffer): AsyncGenerator<QueryEvent> {
    this.received += chunk.length;
    if (this.spans && !this.spansStarted && this.received >= Math.min(SPANS_AFTER_BYTES, this.spanBytes)) {
      this.spansStarted = true;
      this.parser.leaveRowsToSpans = true;
    }
    if (!this.gathering) yield* this.parsed(this.parser.push(this.utf8.decode(chunk)));
    else {
      this.gathered.push(chunk);
      this.gatheredBytes += chunk.length;
      yield* this.cutSpans();
      if (this.gathering && this.pending.length === 0 && performance.now() - this.gatherStartedAt > TRICKLE_MS) {
        // A slow stream: the main thread keeps up, and the rows show now rather than a span later.
        const all = Buffer.concat(this.gathered, this.gatheredBytes);
        this.stopGathering();
        yield* this.parsed(this.parser.resumeRows(this.utf8.decode(all), 'parseAvailable'));
      }
    }
    // Backpressure: the socket is not read while every worker is busy and one more span waits, or
    // while the position after the spans in flight must be confirmed before anything is cut.
    while (this.pending.length > (this.pool?.size ?? 1) || (this.waitingForRowStart && this.pending.length > 0)) yield* this.settleOldest();
  }

  async *finish(): AsyncGenerator<QueryEvent> {
    this.inputEnded = true;
    if (this.gathering) yield* this.cutSpans();
    while (this.pending.length > 0) yield* this.settleOldest();
    if (!this.gathering) yield* this.parser.push(this.utf8.end());
    // Still gathering, with nothing gathered: the body ended at the start of a row (end() reports it).
    yield* this.parser.end();
  }

  close(): void {
    this.pending.length = 0;
    this.gathered = [];
    void this.pool?.close();
    this.pool = undefined;
  }

  /** Events of the parser; when it stopped at a primary row, its rows are gathered into spans from there. */
  private *parsed(events: V2Event[]): Generator<QueryEvent> {
    yield* events;
    if (!this.parser.atPrimaryRow) return;
    this.table = this.parser.primaryRowsTable;
    this.gathering = true;
    this.gatherStartedAt = performance.now();
    // The workers start while the first span is gathered.
    this.startPool();
    const text = this.parser.takeUnparsed();
    const carry = this.utf8.takeCarry();
    this.gathered = [];
    this.gatheredBytes = 0;
    for (const bytes of [text ? Buffer.from(text, 'utf8') : undefined, carry]) {
      if (!bytes) continue;
      this.gathered.push(bytes);
      this.gatheredBytes += bytes.length;
    }
    yield* this.cutSpans();
  }

  /** Cuts what is gathered into spans while a span's worth is there (at the end of the input: all of it). */
  private *cutSpans(): Generator<QueryEvent> {
    this.waitingForRowStart = false;
    while (this.gathering && (this.gatheredBytes >= this.spanBytes || (this.inputEnded && this.gatheredBytes > 0))) {
      const all = this.gathered.length === 1 ? this.gathered[0] : Buffer.concat(this.gathered, this.gatheredBytes);
      let length = this.spanBytes;
      if (this.inputEnded && !this.tailSplit && all.length < 2 * this.spanBytes && all.length >= SPLIT_TAIL_BYTES) {
        this.tailSplit = true;
        length = Math.ceil(all.length / 2);
      }
      if (this.inputEnded && all.length <= length) {
        // The input's last rows, up to where the Rows array closes, go as they are: the span stops there.
        this.gathered = [];
        this.gatheredBytes = 0;
        this.dispatch(all);
        continue;
      }
      const limit = Math.min(all.length, length);
      const cut = limit > 3 ? all.lastIndexOf(ROW_SEPARATOR, limit - 3) : -1;
      if (cut > 0) {
        const rest = all.subarray(cut + 2);
        this.gathered = rest.length > 0 ? [rest] : [];
        this.gatheredBytes = rest.length;
        this.dispatch(all.subarray(0, cut + 2));
        continue;
      }
      this.gathered = [all];
      // No row boundary within a span's length: a row longer than a span. While spans are in
      // flight this position is a guess: they are settled first (see push).
      if (this.pending.length > 0) {
        this.waitingForRowStart = true;
        return;
      }
      this.stopGathering();
      yield* this.parsed(this.parser.resumeRows(this.utf8.decode(all), 'parseOneRow'));
      return;
    }
  }

  private dispatch(bytes: Buffer): void {
    const table = this.table as { id: number; columns: ColumnSchema[] };
    // The next span's gathering starts now (see TRICKLE_MS).
    this.gatherStartedAt = performance.now();
    this.startPool();
    const spans = this.spans as ParquetSpanOptions;
    const result = this.pool
      ? this.pool.encode({ bytes, columns: table.columns, codec: spans.codec, pageBytes: spans.pageBytes, batchRows: 1000 })
      : Promise.reject(new Error('no row span worker could start'));
    // A result dropped after an earlier span stopped must not surface as unhandled.
    result.catch(() => undefined);
    this.pending.push({ bytes, tableId: table.id, result });
  }

  private stopGathering(): void {
    this.gathering = false;
    this.gathered = [];
    this.gatheredBytes = 0;
  }

  private startPool(): void {
    if (this.poolTried) return;
    this.poolTried = true;
    this.pool = RowSpanEncoderPool.start(this.spans?.workers ?? 1);
  }

  private async *settleOldest(): AsyncGenerator<QueryEvent> {
    const oldest = this.pending.shift();
    if (!oldest) return;
    let outcome: RowSpanResult | undefined;
    try {
      outcome = await oldest.result;
      // Time spent waiting for a worker is not time the data took to arrive (see TRICKLE_MS).
      this.gatherStartedAt = performance.now();
    } catch {
      // No worker, or it failed (e.g. a value the encoder refuses): this thread parses everything
      // from the span's start on, and a bad value then fails with the writer's own message.
      outcome = undefined;
    }
    if (outcome?.group) yield { kind: 'encodedRows', tableId: oldest.tableId, rows: outcome.rows, group: outcome.group };
    if (outcome?.stop === 'complete') {
      // A wait for a row boundary may have been held for this confirmation.
      if (this.pending.length === 0) yield* this.cutSpans();
      return;
    }
    const rest = Buffer.concat([oldest.bytes.subarray(outcome?.endByte ?? 0), ...this.pending.map((p) => p.bytes), ...this.gathered]);
    this.pending.length = 0;
    this.stopGathering();
    const how: ResumeRows = !outcome ? 'parseAll' : outcome.stop === 'arrayEnd' ? 'arrayEnd' : 'parseOneRow';
    yield* this.parsed(this.parser.resumeRows(this.utf8.decode(rest), how));
  }
}
