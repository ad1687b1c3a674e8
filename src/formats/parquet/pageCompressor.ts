// Compresses Parquet pages off the calling thread, so compressing one row group overlaps parsing
// and encoding the next: Snappy on a worker thread (JavaScript, CPU-bound), gzip on libuv's pool
// (zlib is native). When no worker can start, Snappy runs on the calling thread: slower, same bytes.
import { promisify } from 'node:util';
import type { Worker } from 'node:worker_threads';
import { gzip } from 'node:zlib';
import { startEngineWorker } from './engineWorker';
import { snappyCompress } from './snappyCompress';

export type PageCodec = 'none' | 'snappy' | 'gzip';
/** Gzip level of Parquet pages, wherever they are compressed. */
export const GZIP_LEVEL = 6;

const gzipAsync = promisify(gzip);

interface Waiter {
  pages: Buffer[];
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
        const intact = waiter.pages.every((page) => page.buffer.byteLength > 0);
        if (!intact) {
          waiter.reject(new Error('the Parquet compression worker stopped while compressing a row group'));
          continue;
        }
        try {
          waiter.resolve(waiter.pages.map((page) => snappyCompress(page)));
        } catch (err) {
          waiter.reject(err as Error);
        }
      }
      this.waiting.clear();
    };
    this.worker.on('error', fallBack);
    this.worker.on('exit', fallBack);
  }

  compress(pages: Buffer[]): Promise<Buffer[]> {
    const id = this.nextId++;
    if (this.waiting.size === 0) this.worker.ref();
    return new Promise<Buffer[]>((resolve, reject) => {
      this.waiting.set(id, { pages, resolve, reject });
      // A page that owns its whole ArrayBuffer moves to the worker without a copy; a slice of a
      // shared one (Node's small-buffer pool) is copied. The writer never touches a page again.
      // Until the worker has answered once, pages are copied so that a worker that cannot start
      // leaves them intact for the calling thread.
      const transfer = this.answered ? pages.filter((p) => p.byteOffset === 0 && p.byteLength === p.buffer.byteLength).map((p) => p.buffer as ArrayBuffer) : [];
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
export async function compressPages(codec: PageCodec, pages: Buffer[], callerHelps = false): Promise<Buffer[]> {
  if (codec === 'none') return pages;
  if (codec === 'gzip') return Promise.all(pages.map((page) => gzipAsync(page, { level: GZIP_LEVEL })));
  const worker = sharedWorker();
  if (!worker) return pages.map((page) => snappyCompress(page));
  if (!callerHelps || pages.length < 2) return worker.compress(pages);
  const split = halfByBytes(pages);
  const workerShare = worker.compress(pages.slice(0, split));
  const ownShare = pages.slice(split).map((page) => snappyCompress(page));
  helped += ownShare.length;
  return [...(await workerShare), ...ownShare];
}

/** The index that splits `pages` into two runs of about equal bytes (each at least one page). */
function halfByBytes(pages: Buffer[]): number {
  let total = 0;
  for (const page of pages) total += page.length;
  let sum = 0;
  for (let i = 0; i < pages.length - 1; i++) {
    sum += pages[i].length;
    if (sum * 2 >= total) return i + 1;
  }
  return pages.length - 1;
}
