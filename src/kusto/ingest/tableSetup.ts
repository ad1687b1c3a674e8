// Makes sure the target table exists with the columns the files need, per the job's option:
// failIfNotExists (never touch the schema), createIfNotExists (create when missing, else keep it
// as it is), createMerge (`.create-merge table`: create, or add the missing columns).
import type { ColumnSchema, KustoType } from '../../engine/rows';
import { quoteEntityName } from '../entityNames';
import { KustoError } from '../kustoError';
import { executeManagementRecords, kqlName, type ManagementOptions } from '../managementClient';

export type TableCreation = 'failIfNotExists' | 'createIfNotExists' | 'createMerge';

export function cslSchema(columns: ColumnSchema[]): string {
  return columns.map((c) => `${quoteEntityName(c.name, 'column')}:${c.type}`).join(', ');
}

const CSL_TYPES: Record<string, KustoType> = {
  bool: 'bool', boolean: 'bool', int: 'int', long: 'long', real: 'real', double: 'real', decimal: 'decimal', string: 'string',
  datetime: 'datetime', date: 'datetime', timespan: 'timespan', time: 'timespan', guid: 'guid', uniqueid: 'guid', dynamic: 'dynamic',
};

/**
 * The table's columns, or undefined when it does not exist. Read from `schema as json`, whose
 * names are plain JSON strings: a cslschema line would have to be split on "," and ":", which a
 * quoted name may hold.
 */
export async function showTableColumns(options: ManagementOptions, table: string): Promise<ColumnSchema[] | undefined> {
  let rows: Array<Record<string, unknown>>;
  try {
    rows = await executeManagementRecords(options, `.show table ${kqlName(table)} schema as json`);
  } catch (err) {
    if (isTableMissing(err)) return undefined;
    throw err;
  }
  const text = rows[0]?.Schema;
  let schema: { OrderedColumns?: Array<{ Name?: unknown; CslType?: unknown }> };
  try {
    schema = (typeof text === 'string' ? JSON.parse(text) : text ?? {}) as typeof schema;
  } catch {
    throw new KustoError({ code: 'MalformedResponse', message: `the schema of table "${table}" (.show table schema as json) is not JSON`, permanent: true });
  }
  return (schema.OrderedColumns ?? []).map((c) => ({ name: String(c.Name ?? ''), type: CSL_TYPES[String(c.CslType ?? '').toLowerCase()] ?? 'string' }));
}

export function isTableMissing(err: unknown): boolean {
  if (!(err instanceof KustoError)) return false;
  return err.httpStatus === 404 || /EntityNotFound|not found|does not exist|SEM0100|Failed to resolve table/i.test(`${err.code} ${err.message}`);
}

export interface TableSetupResult {
  columns: ColumnSchema[];
  created: boolean;
  /** Columns added by create-merge. */
  added: string[];
}

export async function ensureTable(options: ManagementOptions, table: string, creation: TableCreation, wanted: ColumnSchema[]): Promise<TableSetupResult> {
  const existing = await showTableColumns(options, table);
  if (existing === undefined) {
    if (creation === 'failIfNotExists') {
      throw new KustoError({ code: 'TableNotFound', message: `table "${table}" does not exist in database "${options.database}" (the job's table option is "fail if it does not exist")`, permanent: true });
    }
    await executeManagementRecords(options, `.create table ${kqlName(table)} (${cslSchema(wanted)})`);
    return { columns: wanted, created: true, added: [] };
  }
  if (creation !== 'createMerge') return { columns: existing, created: false, added: [] };
  const missing = wanted.filter((w) => !existing.some((e) => e.name.toLowerCase() === w.name.toLowerCase()));
  if (missing.length === 0) return { columns: existing, created: false, added: [] };
  await executeManagementRecords(options, `.create-merge table ${kqlName(table)} (${cslSchema(missing)})`);
  return { columns: [...existing, ...missing], created: false, added: missing.map((m) => m.name) };
}
