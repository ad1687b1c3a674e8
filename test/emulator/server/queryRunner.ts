// Runs a compiled query and streams its rows into a v2 (whole or progressive/fragmented) or v1
// response, chunk by chunk from DuckDB, with the service's default result-set limits.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { CompiledQuery, CompiledResult, KustoType } from '../kql/contract';
import { encodeV2Value, v2JsonText } from '../kql/values';
import { KustoRequestError, oneApiError, toRequestError, type OneApiError, type RequestIds } from './errors';
import type { ResponseSink } from './responseSink';
import * as frames from './v2Frames';

export const DEFAULT_MAX_RECORDS = 500_000;
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

export type RequestOptions = Record<string, unknown>;

export function optionIsTrue(options: RequestOptions, name: string): boolean {
  const v = options[name];
  return v === true || (typeof v === 'string' && v.toLowerCase() === 'true');
}

interface Limits {
  maxRecords: number;
  maxBytes: number;
}

function limitsOf(query: CompiledQuery, requestOptions: RequestOptions): Limits {
  const all: RequestOptions = { ...requestOptions, ...query.options };
  if (optionIsTrue(all, 'notruncation')) return { maxRecords: Infinity, maxBytes: Infinity };
  const num = (name: string, fallback: number) => (all[name] !== undefined && Number.isFinite(Number(all[name])) ? Number(all[name]) : fallback);
  return { maxRecords: num('truncationmaxrecords', DEFAULT_MAX_RECORDS), maxBytes: num('truncationmaxsize', DEFAULT_MAX_BYTES) };
}

function truncationError(limits: Limits, byRecords: boolean): KustoRequestError {
  const what = byRecords ? `${limits.maxRecords} records` : `${limits.maxBytes} bytes`;
  return new KustoRequestError(
    400, 'LimitsExceeded',
    `Query execution has exceeded the allowed limits (80DA0003): The results of this query exceed the set limit of ${what}, so not all records were returned (E_QUERY_RESULT_SET_TOO_LARGE, 0x80DA0003). See https://aka.ms/kustoquerylimits for more information and possible solutions.`,
    'Kusto.Data.Exceptions.KustoServicePartialQueryFailureLimitsExceededException', false,
  );
}

/** Rows of one result, as JSON texts, one DuckDB chunk at a time. */
async function* rowChunks(connection: DuckDBConnection, result: CompiledResult): AsyncGenerator<string[]> {
  const types: KustoType[] = result.columns.map((c) => c.type);
  const stream = await connection.stream(result.sql);
  for (;;) {
    const chunk = await stream.fetchChunk();
    if (!chunk || chunk.rowCount === 0) return;
    yield chunk.getRows().map((row) => v2JsonText(row.map((v, i) => encodeV2Value(types[i], v))));
  }
}

interface StreamOutcome {
  rowCount: number;
  error?: KustoRequestError;
}

/** Feeds rows to `emit` until the result ends, a limit is hit, or DuckDB fails mid-way. */
async function streamRows(connection: DuckDBConnection, result: CompiledResult, limits: Limits, sink: ResponseSink, emit: (rows: string[]) => Promise<void>): Promise<StreamOutcome> {
  let rowCount = 0;
  let bytes = 0;
  try {
    for await (let rows of rowChunks(connection, result)) {
      if (sink.aborted) throw new Error('client closed the connection');
      let error: KustoRequestError | undefined;
      if (rowCount + rows.length > limits.maxRecords) {
        rows = rows.slice(0, limits.maxRecords - rowCount);
        error = truncationError(limits, true);
      }
      for (let i = 0; i < rows.length; i++) {
        bytes += rows[i].length;
        if (bytes > limits.maxBytes) {
          rows = rows.slice(0, i);
          error = truncationError(limits, false);
          break;
        }
      }
      if (rows.length) await emit(rows);
      rowCount += rows.length;
      if (error) return { rowCount, error };
    }
  } catch (e) {
    if (sink.aborted) throw e;
    return { rowCount, error: toRequestError(e) };
  }
  return { rowCount };
}

export interface V2Options {
  mode: frames.FrameMode;
  requestOptions: RequestOptions;
}

/** Writes a whole v2 response. Errors before the first byte are thrown (→ HTTP error status). */
export async function writeV2Response(connection: DuckDBConnection, query: CompiledQuery, ids: RequestIds, sink: ResponseSink, options: V2Options): Promise<void> {
  const { mode } = options;
  const limits = limitsOf(query, options.requestOptions);
  const sep = mode.newlines ? '\n,' : ',';
  const errors: OneApiError[] = [];
  await sink.write(`[${frames.dataSetHeader(mode)}`);
  await sink.write(`${sep}${frames.extendedPropertiesTable(0)}`);
  let tableId = 1;
  for (const result of query.results) {
    const id = tableId++;
    let outcome: StreamOutcome;
    if (mode.fragmented) {
      await sink.write(`${sep}${frames.tableHeader(id, result.name, result.columns)}`);
      let sent = 0;
      outcome = await streamRows(connection, result, limits, sink, async (rows) => {
        await sink.write(`${sep}${frames.tableFragment(id, rows)}`);
        sent += rows.length;
        // Progress needs a total the emulator does not know up front: report rows so far.
        if (mode.progressive) await sink.write(`${sep}${frames.tableProgress(id, sent)}`);
      });
      const errs = outcome.error ? [oneApiError(outcome.error, ids)] : [];
      errors.push(...errs);
      await sink.write(`${sep}${frames.tableCompletion(id, outcome.rowCount, errs)}`);
    } else {
      await sink.write(`${sep}${frames.dataTableStart(id, result.name, result.columns)}`);
      let first = true;
      outcome = await streamRows(connection, result, limits, sink, async (rows) => {
        await sink.write(`${first ? '' : ','}${rows.join(',')}`);
        first = false;
      });
      if (outcome.error) {
        const err = oneApiError(outcome.error, ids);
        errors.push(err);
        await sink.write(`${first ? '' : ','}${JSON.stringify({ OneApiErrors: [err] })}`);
      }
      await sink.write(']}');
    }
  }
  const events: frames.CompletionEvent[] = [{ level: 4, statusCode: 0, statusName: 'S_OK (0)', payload: JSON.stringify({ Count: 1, Text: 'Query completed successfully' }) }];
  for (const e of errors) events.push({ level: 2, statusCode: -2133196797, statusName: 'E_QUERY_RESULT_SET_TOO_LARGE', payload: JSON.stringify(e) });
  await sink.write(`${sep}${frames.queryCompletionTable(tableId, ids, events)}`);
  await sink.write(`${sep}${frames.dataSetCompletion(errors)}]`);
  await sink.end();
}

/** v1 shape (`POST /v1/rest/query`): one table per result set, no limits enforced. */
export async function writeV1QueryResponse(connection: DuckDBConnection, query: CompiledQuery, sink: ResponseSink): Promise<void> {
  const unlimited: Limits = { maxRecords: Infinity, maxBytes: Infinity };
  await sink.write('{"Tables":[');
  let index = 0;
  for (const result of query.results) {
    const columns = result.columns.map((c) => ({ ColumnName: c.name, DataType: v1DataType(c.type), ColumnType: c.type }));
    await sink.write(`${index ? ',' : ''}{"TableName":"Table_${index}","Columns":${JSON.stringify(columns)},"Rows":[`);
    let first = true;
    const outcome = await streamRows(connection, result, unlimited, sink, async (rows) => {
      await sink.write(`${first ? '' : ','}${rows.join(',')}`);
      first = false;
    });
    if (outcome.error) throw outcome.error;
    await sink.write(']}');
    index++;
  }
  await sink.write(']}');
  await sink.end();
}

const V1_TYPES: Record<KustoType, string> = {
  bool: 'Boolean', int: 'Int32', long: 'Int64', real: 'Double', decimal: 'Decimal', string: 'String',
  datetime: 'DateTime', timespan: 'TimeSpan', guid: 'Guid', dynamic: 'Object',
};

export function v1DataType(type: KustoType): string {
  return V1_TYPES[type];
}
