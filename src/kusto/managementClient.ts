// Management commands (.show, .export, .set-or-append, ...) through POST /v1/rest/mgmt. Their
// answers are small v1 tables ({"Tables":[{TableName, Columns, Rows}]}), so a plain JSON.parse is
// enough here; query results go through the streaming reader instead.
import type { TokenProvider } from '../engine/jobContext';
import { quoteEntityName } from './entityNames';
import { KustoError } from './kustoError';
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
}

interface V1Body {
  Tables?: Array<{ TableName?: string; Columns?: Array<{ ColumnName?: string }>; Rows?: unknown[][] }>;
}

/** Runs a management command (or, with `path: 'v1/rest/query'`, a small v1 query) and returns its tables. */
export async function executeManagement(options: ManagementOptions, command: string, path = 'v1/rest/mgmt'): Promise<V1Table[]> {
  const response = await postKusto(
    options.clusterUrl,
    path,
    { db: options.database, csl: command, properties: { Options: { servertimeout: kustoTimespan(options.serverTimeoutMs ?? 600_000) } } },
    { tokenProvider: options.tokenProvider, signal: options.signal, requestKind: 'KDM.executeMgmt' },
  );
  const text = await readSmallBody(response.body, 256 << 20);
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
