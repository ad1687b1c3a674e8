// What the Connections view browses: a cluster's databases, then one database's tables (folder,
// docstring) with their columns and Kusto types, from one `.show database D schema as json`.
import type { TokenProvider } from '../engine/jobContext';
import { KustoError } from './kustoError';
import { executeManagementRecords, kqlName } from './managementClient';

export interface ClusterTarget {
  clusterUrl: string;
  tokenProvider?: TokenProvider;
  signal?: AbortSignal;
}

export interface TableSchema {
  name: string;
  folder: string;
  docString: string;
  columns: Array<{ name: string; type: string }>;
}

/** Database names the caller may see, sorted. */
export async function listDatabases(target: ClusterTarget): Promise<string[]> {
  const rows = await executeManagementRecords({ ...target, database: 'NetDefaultDB', serverTimeoutMs: 60_000 }, '.show databases');
  return rows.map((r) => String(r.DatabaseName ?? '')).filter(Boolean).sort((a, b) => a.localeCompare(b));
}

interface SchemaJson {
  Databases?: Record<string, { Tables?: Record<string, { Name?: string; Folder?: string; DocString?: string; OrderedColumns?: Array<{ Name?: string; CslType?: string; Type?: string }> }> }>;
}

/** The tables of a database with their columns, sorted by name. */
export async function databaseTables(target: ClusterTarget, database: string): Promise<TableSchema[]> {
  const rows = await executeManagementRecords({ ...target, database, serverTimeoutMs: 60_000 }, `.show database ${kqlName(database)} schema as json`);
  const text = rows[0]?.DatabaseSchema;
  if (typeof text !== 'string') throw new KustoError({ code: 'MalformedResponse', message: `the schema of database "${database}" came back empty` });
  const parsed = JSON.parse(text) as SchemaJson;
  const db = Object.values(parsed.Databases ?? {})[0];
  return Object.values(db?.Tables ?? {})
    .map((t) => ({
      name: t.Name ?? '',
      folder: t.Folder ?? '',
      docString: t.DocString ?? '',
      columns: (t.OrderedColumns ?? []).map((c) => ({ name: c.Name ?? '', type: c.CslType ?? (c.Type ?? '').replace(/^System\./, '').toLowerCase() })),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
