// Parquet files our writer made, read back by an independent reader (hyparquet, which we did not
// write), as plain rows keyed by column name. 64-bit integers come back as bigint, timestamps as
// microseconds since the epoch (bigint: a Date would drop them), decimals as doubles.
import { gunzipSync } from 'node:zlib';
import { type AsyncBuffer, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';

function asyncBufferOf(bytes: Uint8Array): AsyncBuffer {
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return { byteLength: copy.byteLength, slice: (start, end) => copy.slice(start, end) };
}

export interface ReadBack {
  rows: Record<string, unknown>[];
  rowGroups: number;
  /** Each column's codec, as the footer names it. */
  codecs: string[];
}

export async function readBackParquet(bytes: Uint8Array): Promise<ReadBack> {
  const file = asyncBufferOf(bytes);
  const metadata = await parquetMetadataAsync(file);
  const rows = await parquetReadObjects({ file, metadata, parsers: { timestampFromMicroseconds: (micros: bigint) => micros },
    // hyparquet decompresses Snappy itself; gzip pages with Node's zlib.
    compressors: { GZIP: (input: Uint8Array) => new Uint8Array(gunzipSync(input)) },
  });
  const codecs = [...new Set(metadata.row_groups.flatMap((g) => g.columns.map((c) => String(c.meta_data?.codec))))];
  return { rows, rowGroups: metadata.row_groups.length, codecs };
}
