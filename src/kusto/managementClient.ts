// Management commands (.show, .export, .set-or-append, ...) through POST /v1/rest/mgmt. Their
// answers are small v1 tables ({"Tables":[{TableName, Columns, Rows}]}), so a plain JSON.parse is
// enough here; query results go through the streaming reader instead.
import type { TokenProvider } from '../engine/jobContext';
import { type RetryPolicy, withRetries } from '../engine/retry';
import { quoteEntityName } from './entityNames';
import { isOutcomeUnclear, KustoError, kustoErrorFromNetwork } from './kustoError';
import { postKusto, readSmallBody } from './kustoHttp';
import { kustoTimespan } from './streamingQueryReader';

export interface V1Table {
  name: string;
  columns: string[];
  rows: unknown[][];
}

export interface ManagementOptions {
  clusterUrl: string;
  database: string;
  tokenProvider?: TokenProvider;
  signal?: AbortSignal;
  serverTimeoutMs?: number;
  /**
   * Retry transient failures (429 with its Retry-After, 5xx, dropped connections) with backoff.
   * A command that is not idempotent (see isIdempotentCommand) is retried only when the service
   * clearly did not run it (it answered with an error); after an unclear outcome its error is
   * thrown for the caller to check what happened. Left out: one attempt.
   */
  retry?: Partial<RetryPolicy>;
  /** Told before each retry's wait (logs). */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown; command: string }) => void;
}

/**
 * Commands that do the same when run twice: reads, create-merge / create-or-alter / alter (same
 * end state), `.create table` (succeeds again on the same schema) and `.drop table … ifexists`.
 * Everything else (`.move extents`, `.append`, `.export`, …) is not.
 */
export function isIdempotentCommand(command: string): boolean {
  const text = command.trimStart();
  return /^\.(show|get)\s/i.test(text) || /^\.(create-merge|create-or-alter|alter|alter-merge)\s/i.test(text) || /^\.create\s+tables?\s/i.test(text) || /^\.drop\s+tables?\s[^|]*\sifexists\s*$/i.test(text);
}

interface V1Body {
  Tables?: Array<{ TableName?: string; Columns?: Array<{ ColumnName?: string }>; Rows?: unknown[][] }>;
}

/** Runs a management command (or, with `path: 'v1/rest/query'`, a small v1 query) and returns its tables. */
export async function executeManagement(options: ManagementOptions, command: string, path = 'v1/rest/mgmt'): Promise<V1Table[]> {
  if (!options.retry) return executeOnce(options, command, path);
  const idempotent = isIdempotentCommand(command);
  return withRetries(() => executeOnce(options, command, path), {
    policy: options.retry,
    signal: options.signal,
    shouldRetry: (err) => idempotent || !isOutcomeUnclear(err),
    onRetry: (info) => options.onRetry?.({ ...info, command }),
  });
}

async function executeOnce(options: ManagementOptions, command: string, path: string): Promise<V1Table[]> {
  const response = await postKusto(
    options.clusterUrl,
    path,
    { db: options.database, csl: command, properties: { Options: { servertimeout: kustoTimespan(options.serverTimeoutMs ?? 600_000) } } },
    { tokenProvider: options.tokenProvider, signal: options.signal, requestKind: 'KDM.executeMgmt' },
  );
  let text: string;
  try {
    text = await readSmallBody(response.body, 256 << 20);
  } catch (err) {
    if ((err as Error)?.name === 'AbortError') throw err;
    throw kustoErrorFromNetwork(err, `reading the answer to "${command.slice(0, 60)}"`);
  }
  let body: V1Body;
  try {
    body = JSON.parse(text) as V1Body;
  } catch {
    throw new KustoError({ code: 'MalformedResponse', message: `the answer to "${command.slice(0, 60)}" is not JSON` });
  }
  return (body.Tables ?? []).map((t) => ({ name: t.TableName ?? '', columns: (t.Columns ?? []).map((c) => c.ColumnName ?? ''), rows: t.Rows ?? [] }));
}

/** The first table's rows as objects keyed by column name: what most commands need. */
export async function executeManagementRecords(options: ManagementOptions, command: string): Promise<Array<Record<string, unknown>>> {
  const [first] = await executeManagement(options, command);
  if (!first) return [];
  return first.rows.map((row) => Object.fromEntries(first.columns.map((name, i) => [name, row[i]])));
}

/** A table name for a command, always bracket-quoted (keywords too); refuses a name Kusto does not allow. */
export function kqlName(name: string): string {
  return quoteEntityName(name, 'table');
}

/** A KQL string literal. */
export function kqlString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;
}
