// Runs in a worker thread: compresses Parquet pages off the thread that parses and encodes rows.
// Messages: { id, pages } in (a page: its bytes, or its parts in order), { id, pages: Uint8Array[] } or { id, error } out.
import { parentPort } from 'node:worker_threads';
import { snappyCompressOver, snappyCompressOwned } from './snappyCompress';

interface CompressRequest {
  id: number;
  pages: Array<Uint8Array<ArrayBuffer> | Uint8Array[]>;
}

// Started ahead of the first row group (pageCompressor.ts): it says it is ready once loaded, so
// pages are moved to it from the first group on rather than copied.
parentPort?.postMessage({ ready: true });

parentPort?.on('message', (request: CompressRequest) => {
  try {
    // Each in its own ArrayBuffer, so it can be transferred back without a copy: a page moved here
    // whole gets its compressed bytes written over its own buffer (when they fit), else a new one.
    // A page sent as parts (views of column storage several pages share) always gets a new one.
    const pages = request.pages.map((page) => (page instanceof Uint8Array ? snappyCompressOver(page) : snappyCompressOwned(page)));
    parentPort?.postMessage({ id: request.id, pages }, pages.map((p) => p.buffer));
  } catch (err) {
    parentPort?.postMessage({ id: request.id, error: (err as Error).message });
  }
});
