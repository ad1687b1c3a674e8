// Row spans of a query result parsed and encoded as Parquet row groups on worker threads: each
// span becomes one row group, so the threads share nothing but the span's bytes going in and the
// compressed pages coming out (moved, not copied). The reader decides where spans are cut and what happens when
// one stops early (src/kusto/responseReader.ts).
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { ColumnSchema } from '../../engine/rows';
import { startEngineWorker } from './engineWorker';
import type { PageCodec } from './pageCompressor';
import { type EncodedRowGroup, RowGroupEncoder } from './rowGroupEncoder';
import type { SpanParse } from './rowSpanColumns';

export interface RowSpanRequest {
  /** UTF-8 bytes of the span (see rowSpanColumns.ts), starting at a row. */
  bytes: Uint8Array;
  columns: ColumnSchema[];
  codec: PageCodec;
  pageBytes: number;
}

export interface RowSpanResult extends SpanParse {
  /** The parsed rows as one row group; absent when no row was parsed. */
  group?: EncodedRowGroup;
}

/** The last encoder of this (worker) thread, kept for the next span of the same shape: its buffers are reused rather than grown again. */
let reusable: { key: string; encoder: RowGroupEncoder } | undefined;

function encoderFor(request: RowSpanRequest): RowGroupEncoder {
  const key = JSON.stringify([request.columns, request.codec, request.pageBytes]);
  if (reusable?.key !== key) reusable = { key, encoder: new RowGroupEncoder(request.columns, request.codec, request.pageBytes) };
  return reusable.encoder;
}

/** A worker's span as one compressed row group (the encoder is emptied first: a span that failed half-way leaves nothing behind). */
export function encodeRowSpan(request: RowSpanRequest): RowSpanResult {
  const encoder = encoderFor(request);
  encoder.reset();
  const bytes = request.bytes;
  const parse = encoder.appendSpan(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return { ...parse, group: parse.rows > 0 ? encoder.finish(true) : undefined };
}

interface Pending {
  resolve(result: RowSpanResult): void;
  reject(err: Error): void;
}

/** A few worker threads that encode row spans, each given the next span when it is free. */
export class RowSpanEncoderPool {
  private readonly workers: Array<{ worker: Worker; busy: number }> = [];
  private readonly pending = new Map<number, Pending>();
  private readonly owner = new Map<number, number>();
  private nextId = 1;
  private broken: Error | undefined;

  private constructor(workers: Worker[]) {
    workers.forEach((worker, index) => {
      this.workers.push({ worker, busy: 0 });
      worker.on('message', (reply: { id: number; result?: RowSpanResult; error?: string }) => this.settle(index, reply));
      // A worker that dies takes its spans along: they fail, and the reader parses them itself.
      const fail = (err?: Error): void => this.failAll(index, err ?? new Error('a row span worker stopped'));
      worker.on('error', fail);
      worker.on('exit', () => fail());
    });
  }

  /** A pool of `size` workers (at most one per core), or undefined when none can start. */
  static start(size: number): RowSpanEncoderPool | undefined {
    size = Math.min(size, Math.max(1, availableParallelism()));
    const workers: Worker[] = [];
    try {
      for (let i = 0; i < size; i++) {
        const worker = startEngineWorker('rowSpanWorker');
        if (!worker) break;
        workers.push(worker);
      }
    } catch {
      // Fewer workers than asked, or none.
    }
    return workers.length > 0 ? new RowSpanEncoderPool(workers) : undefined;
  }

  get size(): number {
    return this.workers.length;
  }

  encode(request: RowSpanRequest): Promise<RowSpanResult> {
    if (this.broken) return Promise.reject(this.broken);
    let chosen = 0;
    for (let i = 1; i < this.workers.length; i++) if (this.workers[i].busy < this.workers[chosen].busy) chosen = i;
    const slot = this.workers[chosen];
    const id = this.nextId++;
    if (slot.busy++ === 0) slot.worker.ref();
    this.owner.set(id, chosen);
    return new Promise<RowSpanResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // The worker gets its own copy (moved, not cloned again): the caller keeps the span's bytes
      // to parse them itself if the span stops early.
      const copy = new Uint8Array(request.bytes);
      slot.worker.postMessage({ id, request: { ...request, bytes: copy } }, [copy.buffer]);
    });
  }

  async close(): Promise<void> {
    this.broken ??= new Error('the row span pool is closed');
    const workers = this.workers.map((w) => w.worker);
    await Promise.all(workers.map((w) => w.terminate().catch(() => undefined)));
  }

  private settle(index: number, reply: { id: number; result?: RowSpanResult; error?: string }): void {
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.release(index, reply.id);
    if (reply.result) waiter.resolve(reply.result);
    else waiter.reject(new Error(`encoding a row span failed: ${reply.error ?? 'no reply'}`));
  }

  private release(index: number, id: number): void {
    this.pending.delete(id);
    this.owner.delete(id);
    const slot = this.workers[index];
    if (--slot.busy === 0) slot.worker.unref();
  }

  private failAll(index: number, err: Error): void {
    this.broken ??= err;
    for (const [id, workerIndex] of [...this.owner]) {
      if (workerIndex !== index) continue;
      const waiter = this.pending.get(id);
      this.release(index, id);
      waiter?.reject(err);
    }
  }
}
