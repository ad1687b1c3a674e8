// Runs in a worker thread: parses a row span and encodes its rows as one compressed Parquet row
// group (rowSpanEncoding.ts). Messages: { id, request } in, { id, result } or { id, error } out.
import { parentPort } from 'node:worker_threads';
import { transferablesOf } from './rowGroupEncoder';
import { type RowSpanRequest, encodeRowSpan } from './rowSpanEncoding';

parentPort?.on('message', ({ id, request }: { id: number; request: RowSpanRequest }) => {
  try {
    const result = encodeRowSpan(request);
    parentPort?.postMessage({ id, result }, result.group ? transferablesOf(result.group) : []);
  } catch (err) {
    parentPort?.postMessage({ id, error: (err as Error).message });
  }
});
