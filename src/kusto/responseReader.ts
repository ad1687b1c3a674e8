// Reads a query response body into events (streamingQueryReader.ts makes the request). With span
// options, the primary table's rows are parsed from their bytes straight into Parquet row groups,
// on this thread or on worker threads (see ResponseReader).
import type { ColumnSchema } from '../engine/rows';
import { startCompressionWorker } from '../formats/parquet/pageCompressor';
import { RowGroupEncoder } from '../formats/parquet/rowGroupEncoder';
import { type RowSpanResult, RowSpanEncoderPool } from '../formats/parquet/rowSpanEncoding';
import { partitionRowCheck, partitionsRouteFromBuffers } from '../formats/parquet/partitionedSpans';
import { rowWasmTakes } from '../formats/parquet/rowSpanWasm';
import { RowSpanTextEncoder } from '../formats/rowSpanText';
import type { ParquetSpanOptions, QueryEvent, TextSpanOptions } from './queryEvents';
import type { ResumeRows, V2Event, V2ResponseParser } from './v2ResponseParser';

/** Bytes of response a worker turns into one Parquet row group by default (about 100 k rows of 8 columns). */
export const DEFAULT_SPAN_BYTES = 8 << 20;
/**
 * Bytes of response per row group on the reading thread, where rows are parsed chunk by chunk (a
 * span is never held): about the Parquet writer's own row group (~200 k rows of 8 columns).
 */
export const DEFAULT_INLINE_SPAN_BYTES = 16 << 20;
/**
 * Partitioned Parquet: the parsed buffers are copied out to the partitions' files, which hold
 * their rows until commit anyway, so a smaller span only saves memory (1 M rows, 50 partitions:
 * peak RSS 275-294 MB at 4 MB against 295-310 MB at 16 MB, the same time).
 */
const DEFAULT_PARTITIONED_SPAN_BYTES = 4 << 20;
/** Text spans: CSV or JSON lines bytes are handed on (written) once about this many are made. */
const TEXT_OUTPUT_BYTES = 1 << 20;
/** `],[` between two rows: where spans are cut. */
const ROW_SEPARATOR = Buffer.from('],[', 'latin1');
/** A remainder at the end of the input this large is cut into two spans, so two threads share it. */
const SPLIT_TAIL_BYTES = 1 << 20;
/** Spans start after this much of the body (or a span's worth, if less): a small result is parsed here, without threads. */
const SPANS_AFTER_BYTES = 1 << 20;
/** Gathering a span taking longer than this means the data trickles in: what is there is parsed here, so progress shows. */
const TRICKLE_MS = 1000;
/** On the reading thread, a row still incomplete after this many bytes goes to the parser (each chunk would scan it again). */
const LONG_ROW_BYTES = 256 << 10;
/**
 * On the reading thread, rows are parsed once about this many bytes of chunks have come, in one
 * call, rather than per socket chunk (64 KB): 16 times fewer calls, copies of a cut row and
 * progress events. Measured on the bench's 1 M-row response: about 13% less CPU for the job.
 */
export const DEFAULT_INLINE_PARSE_BYTES = 1 << 20;
/** A row group's buffers are made ahead for at most this many rows (more: they grow as rows come). */
const MAX_RESERVED_ROWS = 1 << 21;
/** ...once this much of the group's response is parsed (fewer bytes say too little of the rows' size). */
const RESERVE_AFTER_BYTES = 256 << 10;
/** ...but bytes that have waited this long are parsed when the next chunk comes: a slow stream shows its rows as they come. */
const INLINE_WAIT_MS = 50;

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
 * The same bytes in a Buffer made in JavaScript, like Buffer.concat's. A socket's chunks are made
 * natively with another hidden class: the first such chunk handed to the parser whole (when the
 * previous one ended at a row's end) would throw its optimised code away, and every byte read
 * after it would check for two kinds of buffer.
 */
function sameShapeBuffer(chunk: Buffer): Buffer {
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
}

/**
 * Reads the response body into events. With span options, the primary table's rows are parsed
 * from their bytes into Parquet row groups rather than by the text parser. With no workers
 * (inline), on this thread chunk by chunk (see encodeInline). With workers, the bytes are
 * gathered, cut at the last `],[` within a span's length, and each span goes to a worker that
 * parses and encodes it as a row group. The cut is found by a
 * plain search, so it may fall inside a string: only the oldest span in flight is known to start
 * at a row; each later one holds if the one before it parsed to its very end. A span that stops
 * early (the rows ended, a wrong cut, a row left to this thread) gives back its unparsed part with
 * every later span and the bytes gathered since (their results are dropped): the parser goes on
 * from exactly there. So every row is parsed once into the output, whatever the text holds.
 */
export class ResponseReader {
  private readonly utf8 = new Utf8Chunks();
  private readonly spanBytes: number;
  /** Spans are parsed on this thread, one after the other (no workers asked for). */
  private readonly inline: boolean;
  private inlineEncoder: { columns: ColumnSchema[]; encoder: RowGroupEncoder | RowSpanTextEncoder } | undefined;
  /** The row group being filled on this thread: its table, the response bytes in it, its rows announced so far. */
  private openGroup: { tableId: number; bytes: number; announced: number } | undefined;
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
  /** On the reading thread: bytes gathered before rows are parsed from them (see DEFAULT_INLINE_PARSE_BYTES). */
  private readonly parseBatchBytes: number;
  /** The inline encoder's buffers were sized for a row group (see encodeInlineOnce). */
  private reserved = false;
  /** When the oldest chunk not parsed yet came (0: none waits). */
  private waitingSince = 0;

  private readonly spans: ParquetSpanOptions | undefined;
  private readonly maxRowsPerFile: number;
  /** Parquet with partitions: rows go out as parsed column buffers (parsedColumns events), not row groups. */
  private readonly partitionBy: readonly string[] | undefined;
  /** Rows of the primary table handed on so far (row groups and rows): where the output's file boundaries fall. */
  private primaryRowsOut = 0;

  constructor(
    private readonly parser: V2ResponseParser,
    parquetSpans: ParquetSpanOptions | undefined,
    /** CSV or JSON lines written from the rows' bytes: on this thread, as Parquet without workers is. */
    private readonly textSpans?: TextSpanOptions,
  ) {
    // Text spans go the inline way of Parquet spans (the options below are not used by them).
    const spans = textSpans ? { codec: 'none' as const, pageBytes: 0, workers: 0 } : parquetSpans;
    this.spans = spans;
    this.partitionBy = !textSpans && parquetSpans?.partitionBy?.length ? parquetSpans.partitionBy : undefined;
    this.inline = spans !== undefined && ((spans.workers ?? 0) < 1 || (spans.maxRowsPerFile ?? 0) > 0 || this.partitionBy !== undefined);
    // Partitioned: each partition's files are cut by the output, not here.
    this.maxRowsPerFile = !this.partitionBy && spans?.maxRowsPerFile && spans.maxRowsPerFile > 0 ? spans.maxRowsPerFile : Infinity;
    // Spans pay where the WebAssembly parser takes the rows; other tables (a timespan column, no
    // module: KDM_ENGINE_WASM=0; a datetime partition column) are parsed row by row, as the other formats are.
    const partitionBy = this.partitionBy;
    if (textSpans) parser.spansTake = (columns) => columns.length > 0;
    else if (partitionBy) parser.spansTake = (columns) => rowWasmTakes(columns) && partitionsRouteFromBuffers(columns, partitionBy);
    else if (spans) parser.spansTake = rowWasmTakes;
    // Row groups of this thread are compressed on the writer's worker: it starts (and warms up)
    // while the response is still on its way, not when the first group is full.
    if (this.inline && spans?.codec === 'snappy') startCompressionWorker('snappy');
    const defaultSpanBytes = this.partitionBy ? DEFAULT_PARTITIONED_SPAN_BYTES : this.inline ? DEFAULT_INLINE_SPAN_BYTES : DEFAULT_SPAN_BYTES;
    this.spanBytes = Math.max(256, spans?.spanBytes ?? defaultSpanBytes);
    // Never more than a row group's worth: a group closes at the first batch end past spanBytes.
    this.parseBatchBytes = Math.min(this.spanBytes, Math.max(0, parquetSpans?.parseBatchBytes ?? DEFAULT_INLINE_PARSE_BYTES));
  }

  async *push(chunk: Buffer): AsyncGenerator<QueryEvent> {
    // On this thread, a chunk larger than a parse batch is taken a batch at a time (views, not
    // copies), so a row group still closes within a batch past spanBytes however large the reads are.
    const batch = this.parseBatchBytes;
    if (this.inline && batch > 0 && chunk.length > batch) {
      for (let at = 0; at < chunk.length; at += batch) yield* this.pushChunk(chunk.subarray(at, Math.min(chunk.length, at + batch)));
      return;
    }
    yield* this.pushChunk(chunk);
  }

  private async *pushChunk(chunk: Buffer): AsyncGenerator<QueryEvent> {
    this.received += chunk.length;
    // On this thread there are no workers to start: spans begin with the first row.
    if (this.spans && !this.spansStarted && (this.inline || this.received >= Math.min(SPANS_AFTER_BYTES, this.spanBytes))) {
      this.spansStarted = true;
      this.parser.leaveRowsToSpans = true;
    }
    if (!this.gathering) yield* this.parsedFrom(() => this.parser.push(this.utf8.decode(chunk)));
    else if (this.inline) {
      this.gathered.push(chunk);
      this.gatheredBytes += chunk.length;
      // Rows are parsed (and announced) once a batch of bytes is there, or when bytes have waited
      // a moment: a slow stream needs nothing more.
      const now = performance.now();
      if (this.waitingSince === 0) this.waitingSince = now;
      if (this.gatheredBytes >= this.parseBatchBytes || now - this.waitingSince >= INLINE_WAIT_MS) {
        this.waitingSince = 0;
        yield* this.encodeInline();
      }
    } else {
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
    yield* this.finishInlineGroup();
    if (!this.gathering) yield* this.parser.push(this.utf8.end());
    // Still gathering, with nothing gathered: the body ended at the start of a row (end() reports it).
    yield* this.parser.end();
  }

  close(): void {
    this.pending.length = 0;
    this.gathered = [];
    this.inlineEncoder = undefined;
    this.openGroup = undefined;
    void this.pool?.close();
    this.pool = undefined;
  }

  /** parsed() of what `read` gives; when it throws (an error in the stream), the rows of the open row group go first. */
  private *parsedFrom(read: () => V2Event[], cut = true): Generator<QueryEvent> {
    let events: V2Event[];
    try {
      events = read();
    } catch (err) {
      yield* this.finishInlineGroup();
      throw err;
    }
    yield* this.parsed(events, cut);
  }

  /**
   * Events of the parser; when it stopped at a primary row, its rows are gathered into spans from
   * there (and cut now, unless `cut` is false: encodeInline's loop goes on with them).
   */
  private *parsed(events: V2Event[], cut = true): Generator<QueryEvent> {
    for (const event of events) {
      if (event.kind === 'rows') this.primaryRowsOut += event.rows.length;
      else if (event.kind === 'replace') this.primaryRowsOut = 0;
      // The open row group goes before anything else of the result, across the fragments of its
      // table; a fragment replacing the table drops it (its rows are replaced).
      if (this.openGroup && event.kind !== 'progress') {
        if (event.kind === 'replace' && event.tableId === this.openGroup.tableId) this.openGroup = undefined;
        else yield* this.finishInlineGroup();
      }
      yield event;
    }
    if (!this.parser.atPrimaryRow) return;
    this.table = this.parser.primaryRowsTable;
    this.gathering = true;
    this.gatherStartedAt = performance.now();
    // The workers start while the first span is gathered.
    if (!this.inline) this.startPool();
    const text = this.parser.takeUnparsed();
    const carry = this.utf8.takeCarry();
    this.gathered = [];
    this.gatheredBytes = 0;
    for (const bytes of [text ? Buffer.from(text, 'utf8') : undefined, carry]) {
      if (!bytes) continue;
      this.gathered.push(bytes);
      this.gatheredBytes += bytes.length;
    }
    if (cut) yield* this.cutSpans();
  }

  /** Cuts what is gathered into spans while a span's worth is there (at the end of the input: all of it). */
  private *cutSpans(): Generator<QueryEvent> {
    if (this.inline) {
      yield* this.encodeInline();
      return;
    }
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
      ? this.pool.encode({ bytes, columns: table.columns, codec: spans.codec, pageBytes: spans.pageBytes })
      : Promise.reject(new Error('no row span worker could start'));
    // A result dropped after an earlier span stopped must not surface as unhandled.
    result.catch(() => undefined);
    this.pending.push({ bytes, tableId: table.id, result });
  }

  /**
   * On this thread, rows are parsed from each chunk's bytes as it arrives, straight into the open
   * row group (no span is gathered, nothing is cut); a row the chunk ends in waits for the next
   * one. The group is handed on once a span's worth of response is in it, and before anything
   * the parser reads next: rows it parses (a row left here: an error object, malformed text, a
   * value the encoder refuses, a row longer than LONG_ROW_BYTES), the table's end; it stays open
   * across the fragments of a progressive table (see parsed).
   */
  private *encodeInline(): Generator<QueryEvent> {
    // A loop, not a call of itself: a batch of chunks may hold many rows left to the parser, or
    // many files' ends (maxRowsPerFile), and each would nest one generator deeper.
    while (this.gathering && (this.gatheredBytes > 0 || this.inputEnded)) if (!(yield* this.encodeInlineOnce())) return;
  }

  /** One pass of encodeInline; true: the rows go on in what is gathered now (parse it again). */
  private *encodeInlineOnce(): Generator<QueryEvent, boolean> {
    const table = this.table as { id: number; columns: ColumnSchema[] };
    if (this.openGroup && this.openGroup.tableId !== table.id) yield* this.finishInlineGroup();
    if (this.inlineEncoder?.columns !== table.columns) {
      yield* this.finishInlineGroup();
      const spans = this.spans as ParquetSpanOptions;
      const encoder = this.textSpans
        ? new RowSpanTextEncoder(table.columns, this.textSpans.format)
        : new RowGroupEncoder(table.columns, spans.codec, spans.pageBytes, this.partitionBy && partitionRowCheck(table.columns, this.partitionBy));
      this.inlineEncoder = { columns: table.columns, encoder };
      this.reserved = false;
    }
    if (!this.openGroup) {
      this.inlineEncoder.encoder.reset();
      this.openGroup = { tableId: table.id, bytes: 0, announced: 0 };
    }
    // The row the last chunk ended in, then this chunk: parsed without concatenating them first
    // where the encoder can (`input` is the bytes parsed, valid until its next span).
    const parts = this.gathered.length === 1 ? [sameShapeBuffer(this.gathered[0])] : this.gathered;
    const encoding = this.inlineEncoder.encoder;
    // Rows left in the output's current file (after those of the open group).
    const fileRowsLeft = this.maxRowsPerFile - (this.primaryRowsOut % this.maxRowsPerFile) - this.openGroup.announced;
    const { parse, span: input } = encoding instanceof RowGroupEncoder ? encoding.appendSpanParts(parts, this.gatheredBytes, fileRowsLeft) : encoding.appendSpanParts(parts, this.gatheredBytes);
    this.openGroup.bytes += parse.end;
    if (!this.reserved && encoding instanceof RowGroupEncoder && parse.rows > 0 && this.openGroup.bytes >= RESERVE_AFTER_BYTES) {
      // The first rows tell how many a row group will hold: its buffers are made that size now,
      // not doubled (and copied) about six times while the first group fills.
      this.reserved = true;
      const expected = Math.ceil((encoding.rowCount * (this.spanBytes + this.parseBatchBytes)) / this.openGroup.bytes);
      if (expected <= MAX_RESERVED_ROWS) encoding.reserveRows(expected);
    }
    if (parse.rows > 0) {
      // Progress shows rows as they are parsed, not a row group later (a slow or stalled stream).
      this.openGroup.announced += parse.rows;
      yield { kind: 'rowsParsed', tableId: table.id, rows: parse.rows };
    }
    const rest = input.length - parse.end;
    if (parse.stop === 'full') {
      // The file is full: its last row group goes, and the rest starts the next one.
      this.gathered = rest > 0 ? [Buffer.from(input.subarray(parse.end))] : [];
      this.gatheredBytes = rest;
      yield* this.finishInlineGroup();
      return true;
    }
    if (parse.stop === 'complete' || (parse.stop === 'incomplete' && !this.inputEnded && rest < LONG_ROW_BYTES)) {
      // A copy: the rest is the start of one row, and must not keep the whole chunk alive.
      this.gathered = rest > 0 ? [Buffer.from(input.subarray(parse.end))] : [];
      this.gatheredBytes = rest;
      const encoder = this.inlineEncoder.encoder;
      if (encoder instanceof RowSpanTextEncoder ? encoder.pendingBytes >= TEXT_OUTPUT_BYTES : this.openGroup.bytes >= this.spanBytes) yield* this.finishInlineGroup();
      return false;
    }
    // The rows ended (the group may go on in the table's next fragment), or the parser takes the row here.
    this.stopGathering();
    yield* this.parsedFrom(() => this.parser.resumeRows(this.utf8.decode(input.subarray(parse.end)), parse.stop === 'arrayEnd' ? 'arrayEnd' : 'parseOneRow'), false);
    // Back at a primary row (gathering again): the loop parses on from there.
    return this.gathering;
  }

  /** The open row group, uncompressed (the writer compresses it on its worker while this thread parses on). */
  private *finishInlineGroup(): Generator<QueryEvent> {
    const open = this.openGroup;
    if (!open || !this.inlineEncoder) return;
    this.openGroup = undefined;
    const encoder = this.inlineEncoder.encoder;
    if (encoder instanceof RowSpanTextEncoder) {
      const { bytes, rows, release } = encoder.take();
      if (rows > 0) yield { kind: 'encodedText', tableId: open.tableId, rows, announced: open.announced, text: bytes, release };
      return;
    }
    if (this.partitionBy) {
      // The buffers as they are: the output copies the rows out before it asks for the next event (then they are reset).
      const rows = encoder.rowCount;
      this.primaryRowsOut += rows;
      if (rows > 0) yield { kind: 'parsedColumns', tableId: open.tableId, rows, announced: open.announced, columns: encoder.columnBuffers };
      return;
    }
    const group = encoder.handOver();
    this.primaryRowsOut += group.numRows;
    if (group.numRows > 0) yield { kind: 'encodedRows', tableId: open.tableId, rows: group.numRows, announced: open.announced, group };
  }

  private stopGathering(): void {
    this.gathering = false;
    this.waitingSince = 0;
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
    if (outcome?.group) yield { kind: 'encodedRows', tableId: oldest.tableId, rows: outcome.rows, announced: 0, group: outcome.group };
    if (outcome?.stop === 'complete') {
      // A wait for a row boundary may have been held for this confirmation.
      if (this.pending.length === 0) yield* this.cutSpans();
      return;
    }
    const rest = Buffer.concat([oldest.bytes.subarray(outcome?.end ?? 0), ...this.pending.map((p) => p.bytes), ...this.gathered]);
    this.pending.length = 0;
    this.stopGathering();
    const how: ResumeRows = !outcome ? 'parseAll' : outcome.stop === 'arrayEnd' ? 'arrayEnd' : 'parseOneRow';
    yield* this.parsed(this.parser.resumeRows(this.utf8.decode(rest), how));
  }
}
