// Chooses how to read a query's result, like the Spark connector but visibly: estimate the rows
// (`evaluate estimate_rows_count()`, then `count`, each with a short timeout); small results are
// streamed, large ones exported (Parquet only) through blob storage: the staging location when one
// is set, else the cluster's own export containers (src/engine/exportStorage.ts).
import type { TokenProvider } from './jobContext';
import type { KustoQuerySource } from './jobSpec';
import { streamQuery } from '../kusto/streamingQueryReader';

export const DEFAULT_EXPORT_THRESHOLD_ROWS = 1_000_000;

export interface ReadModeDecision {
  mode: 'stream' | 'export';
  estimatedRows?: number;
  reason: string;
}

/** Runs `query` and returns the first numeric value of its first row, or undefined on any failure or timeout. */
async function scalarOf(source: KustoQuerySource, query: string, tokenProvider: TokenProvider | undefined, timeoutMs: number, signal: AbortSignal | undefined): Promise<number | undefined> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  try {
    for await (const event of streamQuery({
      clusterUrl: source.connection.clusterUrl,
      database: source.connection.database,
      query,
      tokenProvider,
      signal: combined,
      serverTimeoutMs: timeoutMs,
      progressive: false,
      headersTimeoutMs: timeoutMs,
    })) {
      if (event.kind !== 'rows') continue;
      for (const value of event.rows[0] ?? []) {
        if (typeof value === 'bigint') return Number(value);
        if (typeof value === 'number' && Number.isFinite(value)) return value;
      }
      return undefined;
    }
  } catch {
    signal?.throwIfAborted();
    // An estimate is advice: a timeout or refusal only means "unknown".
  }
  return undefined;
}

export async function estimateRowCount(source: KustoQuerySource, tokenProvider: TokenProvider | undefined, timeoutMs: number, signal?: AbortSignal): Promise<number | undefined> {
  const query = source.query.trim().replace(/;\s*$/, '');
  return (
    (await scalarOf(source, `${query}\n| evaluate estimate_rows_count()`, tokenProvider, timeoutMs, signal)) ??
    (await scalarOf(source, `${query}\n| count`, tokenProvider, timeoutMs, signal))
  );
}

export async function chooseReadMode(
  source: KustoQuerySource,
  canExport: boolean,
  tokenProvider: TokenProvider | undefined,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ReadModeDecision> {
  const requested = source.readMode ?? 'auto';
  if (requested === 'stream') return { mode: 'stream', reason: 'read mode "stream" was chosen' };
  if (requested === 'export') return { mode: 'export', reason: 'read mode "export" was chosen' };
  if (!canExport) return { mode: 'stream', reason: 'only Parquet output can be exported, so the result is streamed' };
  const estimatedRows = await estimateRowCount(source, tokenProvider, timeoutMs, signal);
  const threshold = source.exportThresholdRows ?? DEFAULT_EXPORT_THRESHOLD_ROWS;
  if (estimatedRows === undefined) return { mode: 'export', reason: 'the row count could not be estimated in time, so the result is exported (as the Spark connector does)' };
  if (estimatedRows > threshold) return { mode: 'export', estimatedRows, reason: `about ${estimatedRows.toLocaleString('en-US')} rows (more than ${threshold.toLocaleString('en-US')}): exporting` };
  return { mode: 'stream', estimatedRows, reason: `about ${estimatedRows.toLocaleString('en-US')} rows (at most ${threshold.toLocaleString('en-US')}): streaming` };
}
