// Runs in a worker thread: compresses Parquet pages off the thread that parses and encodes rows.
// Messages: { id, pages: Uint8Array[] } in, { id, pages: Uint8Array[] } or { id, error } out.
import { parentPort } from 'node:worker_threads';
import { snappyCompressOver } from './snappyCompress';

interface CompressRequest {
  id: number;
  pages: Uint8Array<ArrayBuffer>[];
}

// Started ahead of the first row group (pageCompressor.ts): it says it is ready once loaded, so
// pages are moved to it from the first group on rather than copied.
parentPort?.postMessage({ ready: true });

parentPort?.on('message', (request: CompressRequest) => {
  try {
    // Each in its own ArrayBuffer, so it can be transferred back without a copy: the page's own when
    // it was moved here whole (the compressed bytes written over it), else a new one. Pages that were
    // copied here (not moved) may share a buffer, and so get new ones.
    const pages = request.pages.map(snappyCompressOver);
    parentPort?.postMessage({ id: request.id, pages }, pages.map((p) => p.buffer));
  } catch (err) {
    parentPort?.postMessage({ id: request.id, error: (err as Error).message });
  }
});
