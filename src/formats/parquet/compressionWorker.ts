// Runs in a worker thread: compresses Parquet pages off the thread that parses and encodes rows.
// Messages: { id, pages: Uint8Array[] } in, { id, pages: Uint8Array[] } or { id, error } out.
import { parentPort } from 'node:worker_threads';
import { maxSnappyLength, snappyCompressInto } from './snappyCompress';

interface CompressRequest {
  id: number;
  pages: Uint8Array[];
}

/** One scratch output reused for every page: only the compressed bytes are kept per page. */
let scratch = new Uint8Array(0);

parentPort?.on('message', (request: CompressRequest) => {
  try {
    const pages = request.pages.map((page) => {
      const needed = maxSnappyLength(page.length);
      if (scratch.length < needed) scratch = new Uint8Array(needed);
      const length = snappyCompressInto(page, scratch);
      // Its own ArrayBuffer, so it can be transferred back without a copy.
      return scratch.slice(0, length);
    });
    parentPort?.postMessage({ id: request.id, pages }, pages.map((p) => p.buffer));
  } catch (err) {
    parentPort?.postMessage({ id: request.id, error: (err as Error).message });
  }
});
