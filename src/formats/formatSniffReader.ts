// Tells a file's format and compression from its name and its first bytes: gzip by its magic
// bytes (1f 8b), never by the name alone (Kusto's own temp blobs end in .gz whatever they hold);
// Parquet by "PAR1"; JSON lines vs. multi-line JSON by whether the first line is a whole value;
// CSV vs. TSV by the delimiter that splits the sample most consistently.
import { asByteSource, type ByteRangeSource } from './byteRangeReader';
import { createGunzip } from 'node:zlib';

/** Kusto's format names: scsv is ';'-separated, psv '|'-separated. */
export type DataFormat = 'parquet' | 'csv' | 'tsv' | 'scsv' | 'psv' | 'json' | 'multijson';
export type Compression = 'none' | 'gzip';

export interface SniffedFile {
  format: DataFormat;
  compression: Compression;
}

export const SAMPLE_BYTES = 256 * 1024;

/** Reads up to `limit` bytes from the start of a file. */
export function readHead(source: string | ByteRangeSource, limit = SAMPLE_BYTES): Promise<Buffer> {
  return asByteSource(source).read(0, limit);
}

export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** Inflates as much of a gzip prefix as it holds, up to `limit` bytes (a truncated stream is fine). */
export function gunzipPrefix(head: Buffer, limit = SAMPLE_BYTES): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const gunzip = createGunzip();
    const finish = (): void => {
      gunzip.removeAllListeners();
      gunzip.destroy();
      resolve(Buffer.concat(chunks).subarray(0, limit));
    };
    gunzip.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= limit) finish();
    });
    gunzip.on('end', finish);
    // A sample cut mid-stream ends with "unexpected end of file": what came before is still good.
    gunzip.on('error', finish);
    gunzip.end(head);
  });
}

/** The decompressed start of a file: what the CSV/JSON sniffers and inference read. */
export async function readTextSample(path: string | ByteRangeSource, limit = SAMPLE_BYTES): Promise<{ text: Buffer; compression: Compression }> {
  const head = await readHead(path, limit);
  if (isGzip(head)) return { text: await gunzipPrefix(head, limit), compression: 'gzip' };
  return { text: head, compression: 'none' };
}

function formatFromName(name: string): DataFormat | undefined {
  const lower = name.toLowerCase().replace(/\.(gz|gzip)$/, '');
  if (/\.parquet$/.test(lower) || /\.parq$/.test(lower)) return 'parquet';
  if (/\.tsv$/.test(lower)) return 'tsv';
  if (/\.csv$/.test(lower)) return 'csv';
  if (/\.(jsonl|ndjson)$/.test(lower)) return 'json';
  return undefined;
}

/** JSON lines when the first non-blank line parses on its own as an object; otherwise multi-line JSON. */
export function jsonFlavour(text: string): 'json' | 'multijson' {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) return 'multijson';
  const firstLine = trimmed.split('\n', 1)[0].trim();
  try {
    const value: unknown = JSON.parse(firstLine);
    return value !== null && typeof value === 'object' ? 'json' : 'multijson';
  } catch {
    return 'multijson';
  }
}

export function looksLikeJson(text: string): boolean {
  const first = text.trimStart()[0];
  return first === '{' || first === '[';
}

/** Detects the format of one file; `hint` (the job's format when not "auto") wins over sniffing, except for compression. */
export async function sniffFile(path: string | ByteRangeSource, hint?: DataFormat): Promise<SniffedFile> {
  const head = await readHead(path, 4096);
  const compression: Compression = isGzip(head) ? 'gzip' : 'none';
  if (head.length >= 4 && head.subarray(0, 4).toString('latin1') === 'PAR1') return { format: 'parquet', compression: 'none' };
  if (hint) return { format: hint, compression };
  const byName = formatFromName(typeof path === 'string' ? path : path.name);
  if (byName === 'parquet' || byName === 'tsv') return { format: byName, compression };
  const { text } = await readTextSample(path, 64 * 1024);
  const sample = text.toString('utf8');
  if (looksLikeJson(sample)) return { format: byName === 'json' ? 'json' : jsonFlavour(sample), compression };
  return { format: byName ?? 'csv', compression };
}
