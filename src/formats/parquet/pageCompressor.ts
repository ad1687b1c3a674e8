// Compresses Parquet pages off the calling thread, so compressing one row group overlaps parsing
// and encoding the next: Snappy on a worker thread (JavaScript, CPU-bound), gzip on libuv's pool
// (zlib is native). When no worker can start, Snappy runs on the calling thread: slower, same bytes.
import { promisify } from 'node:util';
import type { Worker } from 'node:worker_threads';
import { gzip } from 'node:zlib';
import { startEngineWorker } from './engineWorker';
import { snappyCompress } from './snappyCompress';

export type PageCodec = 'none' | 'snappy' | 'gzip';
/** A page to compress: its bytes, or its parts in order (levels, then a view of the values), compressed as one. */
export type PageInput = Uint8Array | readonly Uint8Array[];
/** Gzip level of Parquet pages, wherever they are compressed. */
export const GZIP_LEVEL = 6;

const gzipAsync = promisify(gzip);

interface Waiter {
  pages: PageInput[];
  resolve(pages: Buffer[]): void;
  reject(err: Error): void;
}

interface WorkerReply {
  /** The worker has started (sent once, before any reply): pages can be moved to it. */
  ready?: boolean;
  id: number;
  pages?: Uint8Array[];
  error?: string;
}

class CompressionWorker {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();
  private answered = false;
  failed = false;

  constructor(private readonly worker: Worker) {
    this.worker.on('message', (reply: WorkerReply) => {
      if (reply.ready) {
        this.answered = true;
        // Listening refs the worker: an idle one must not keep the process alive.
        if (this.waiting.size === 0) this.worker.unref();
        return;
      }
      const waiter = this.waiting.get(reply.id);
      if (!waiter) return;
      this.waiting.delete(reply.id);
      this.answered = true;
      if (this.waiting.size === 0) this.worker.unref();
      if (reply.error !== undefined || !reply.pages) waiter.reject(new Error(`compressing Parquet pages failed: ${reply.error ?? 'no reply'}`));
      else waiter.resolve(reply.pages.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
    });
    // A worker that cannot start leaves its (copied) pages to the calling thread: same bytes,
    // slower. One that dies later has taken its pages along: those writes fail, later ones run here.
    const fallBack = (): void => {
      this.failed = true;
      for (const waiter of this.waiting.values()) {
        const intact = waiter.pages.every((page) => partsOf(page).every((part) => part.buffer.byteLength > 0));
        if (!intact) {
          waiter.reject(new Error('the Parquet compression worker stopped while compressing a row group'));
          continue;
        }
        try {
          waiter.resolve(waiter.pages.map((page) => snappyCompress(joined(page))));
        } catch (err) {
          waiter.reject(err as Error);
        }
      }
      this.waiting.clear();
    };
    this.worker.on('error', fallBack);
    this.worker.on('exit', fallBack);
  }

  /** movable: ArrayBuffers of the pages' parts that may be moved too (each at most once). */
  compress(pages: PageInput[], movable: readonly ArrayBuffer[] = []): Promise<Buffer[]> {
    const id = this.nextId++;
    if (this.waiting.size === 0) this.worker.ref();
    return new Promise<Buffer[]>((resolve, reject) => {
      this.waiting.set(id, { pages, resolve, reject });
      // A page that owns its whole ArrayBuffer moves to the worker without a copy; a slice of a
      // shared one (Node's small-buffer pool) is copied. The writer never touches a page again.
      // Until the worker has answered once, pages are copied so that a worker that cannot start
      // leaves them intact for the calling thread.
      const transfer = this.answered ? transferList(pages, movable) : [];
      this.worker.postMessage({ id, pages }, transfer);
    });
  }
}

let shared: CompressionWorker | undefined;
let unavailable = false;

function sharedWorker(): CompressionWorker | undefined {
  // A worker that failed is not started again: the calling thread compresses from then on.
  if (shared?.failed) unavailable = true;
  if (unavailable || process.env.KDM_PARQUET_WORKER === '0') return undefined;
  if (shared) return shared;
  try {
    const worker = startEngineWorker('compressionWorker');
    if (!worker) {
      unavailable = true;
      return undefined;
    }
    shared = new CompressionWorker(worker);
    return shared;
  } catch {
    unavailable = true;
    return undefined;
  }
}

/**
 * Starts the Snappy worker now rather than at the first full row group: it loads while that
 * group is still being parsed, instead of while the group waits for it.
 */
export function startCompressionWorker(codec: PageCodec): void {
  if (codec === 'snappy') sharedWorker();
}

/** Whether a compression worker thread is running (diagnostics and tests). */
export function compressionWorkerStarted(): boolean {
  return shared !== undefined && !shared.failed;
}

/** Pages this thread compressed as its share of a last row group (diagnostics: tests check who compresses what). */
let helped = 0;

export function pagesCompressedByCaller(): number {
  return helped;
}

/**
 * The pages compressed with `codec`, in order. `callerHelps`: the caller has nothing else to do
 * meanwhile (the file's last row group), so this thread compresses about half of the bytes itself
 * while the worker does the rest, instead of waiting idle.
 */
export async function compressPages(codec: PageCodec, pages: PageInput[], callerHelps = false, movable: readonly ArrayBuffer[] = []): Promise<Buffer[]> {
  if (codec === 'none') return pages.map(joined);
  if (codec === 'gzip') return Promise.all(pages.map((page) => gzipAsync(joined(page), { level: GZIP_LEVEL })));
  const worker = sharedWorker();
  if (!worker) return pages.map((page) => snappyCompress(joined(page)));
  if (!callerHelps || pages.length < 2) return worker.compress(pages, movable);
  // The pages this thread compresses stay here: none of their buffers may move.
  const split = halfByBytes(pages);
  const own = pages.slice(split);
  const kept = new Set(own.flatMap((page) => partsOf(page).map((part) => part.buffer)));
  const workerShare = worker.compress(pages.slice(0, split), movable.filter((buffer) => !kept.has(buffer)));
  const ownShare = own.map((page) => snappyCompress(joined(page)));
  helped += ownShare.length;
  return [...(await workerShare), ...ownShare];
}

function partsOf(page: PageInput): readonly Uint8Array[] {
  return page instanceof Uint8Array ? [page] : page;
}

/** A page's bytes in one buffer (parts are copied together). */
function joined(page: PageInput): Buffer {
  if (page instanceof Uint8Array) return Buffer.isBuffer(page) ? page : Buffer.from(page.buffer, page.byteOffset, page.byteLength);
  return Buffer.concat(page);
}

/**
 * The ArrayBuffers to move with the pages: a page that owns its whole ArrayBuffer moves without a
 * copy; a slice of a shared one (Node's small-buffer pool) is copied, unless it is in `movable`.
 */
function transferList(pages: readonly PageInput[], movable: readonly ArrayBuffer[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>(movable);
  for (const page of pages) if (page instanceof Uint8Array && page.byteOffset === 0 && page.byteLength === page.buffer.byteLength) out.add(page.buffer as ArrayBuffer);
  return [...out];
}

/** The index that splits `pages` into two runs of about equal bytes (each at least one page). */
function halfByBytes(pages: PageInput[]): number {
  const sizes = pages.map((page) => partsOf(page).reduce((n, part) => n + part.length, 0));
  let total = 0;
  for (const size of sizes) total += size;
  let sum = 0;
  for (let i = 0; i < pages.length - 1; i++) {
    sum += sizes[i];
    if (sum * 2 >= total) return i + 1;
  }
  return pages.length - 1;
}
