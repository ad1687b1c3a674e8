// Streams a query's result from POST /v2/rest/query without ever holding it whole: progressive,
// fragmented frames are requested, the body is parsed as it arrives (V2ResponseParser), and the
// socket is read only as fast as the consumer pulls events (async iteration gives backpressure).
import type { TokenProvider } from '../engine/jobContext';
import { KustoError, kustoErrorFromNetwork } from './kustoError';
import { abortError, postKustoStream } from './kustoHttp';
import type { ParquetSpanOptions, QueryEvent, TextSpanOptions } from './queryEvents';
import { ResponseReader } from './responseReader';
import { V2ResponseParser } from './v2ResponseParser';

export interface StreamQueryOptions {
  clusterUrl: string;
  database: string;
  query: string;
  tokenProvider?: TokenProvider;
  signal?: AbortSignal;
  /** Server-side timeout (servertimeout option); default 1 hour. */
  serverTimeoutMs?: number;
  /** Rows per `rows` event at most (default 5,000). */
  batchRows?: number;
  /** Ask for progressive/fragmented frames (default true); the parser takes either shape. */
  progressive?: boolean;
  /** Extra request options (e.g. notruncation: true). */
  extraOptions?: Record<string, unknown>;
  /** Client-side limit for the response headers to arrive. */
  headersTimeoutMs?: number;
  /** Told how many (decompressed) bytes of the body arrived. */
  onBytes?: (bytes: number) => void;
  /** Yield the primary table as `encodedRows` (Parquet row groups parsed from the response's bytes). */
  parquetSpans?: ParquetSpanOptions;
  /** Yield the primary table as `encodedText` (CSV or JSON lines bytes written from the response's bytes). */
  textSpans?: TextSpanOptions;
}

/** Kusto's timespan literal for a duration, e.g. 00:02:00.000 or 1.00:00:00.000. */
export function kustoTimespan(ms: number): string {
  const totalSeconds = Math.floor(ms / 1000);
  const days = Math.floor(totalSeconds / 86400);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const clock = `${pad(Math.floor((totalSeconds % 86400) / 3600))}:${pad(Math.floor((totalSeconds % 3600) / 60))}:${pad(totalSeconds % 60)}.${pad(ms % 1000, 3)}`;
  return days > 0 ? `${days}.${clock}` : clock;
}

export function queryRequestBody(options: StreamQueryOptions): unknown {
  const progressive = options.progressive ?? true;
  return {
    db: options.database,
    csl: options.query,
    properties: {
      Options: {
        servertimeout: kustoTimespan(options.serverTimeoutMs ?? 3_600_000),
        results_progressive_enabled: progressive,
        results_v2_newlines_between_frames: true,
        results_v2_fragment_primary_tables: progressive,
        ...options.extraOptions,
      },
    },
  };
}

/** Yields the result's events: `table` (schema), `rows` batches (or `encodedRows`), `replace`, `progress`, `tableEnd`, `done`. */
export async function* streamQuery(options: StreamQueryOptions): AsyncGenerator<QueryEvent, void, undefined> {
  const response = await postKustoStream(options.clusterUrl, 'v2/rest/query', queryRequestBody(options), {
    tokenProvider: options.tokenProvider,
    signal: options.signal,
    requestKind: 'KDM.execute',
    headersTimeoutMs: options.headersTimeoutMs,
  });
  const parser = new V2ResponseParser(options.batchRows);
  const reader = new ResponseReader(parser, options.parquetSpans, options.textSpans);
  let finished = false;
  try {
    for await (const chunk of response.body) {
      options.onBytes?.((chunk as Buffer).length);
      yield* reader.push(chunk as Buffer);
    }
    yield* reader.finish();
    finished = true;
  } catch (err) {
    if (options.signal?.aborted) throw abortError();
    throw err instanceof KustoError || (err as Error).name === 'RowSyntaxError' ? err : kustoErrorFromNetwork(err, 'reading the query response');
  } finally {
    reader.close();
    // An early return (consumer stopped) or failure must release the socket.
    if (!finished) {
      response.body.destroy();
      response.raw.destroy();
    }
  }
}
