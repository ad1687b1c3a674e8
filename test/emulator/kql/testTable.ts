// A small in-memory DuckDB table for the compiler's tests: every Kusto type, nulls and edge values,
// loaded from text through parseKustoText exactly as ingestion stores it.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Catalog, KustoColumn } from './contract';
import { compileQuery } from './compiler';
import { quoteIdent } from './sqlText';
import { duckdbType, encodeV2Value, parseKustoText, sqlLiteral, v2JsonText } from './values';

export const T_COLUMNS: KustoColumn[] = [
  { name: 'id', type: 'long' }, { name: 'i', type: 'int' }, { name: 'r', type: 'real' }, { name: 'dec', type: 'decimal' },
  { name: 's', type: 'string' }, { name: 't', type: 'datetime' }, { name: 'ts', type: 'timespan' }, { name: 'g', type: 'guid' },
  { name: 'b', type: 'bool' }, { name: 'd', type: 'dynamic' },
];

// id, i, r, dec, s, t, ts, g, b, d — as CSV fields.
export const T_ROWS: string[][] = [
  ['1', '10', '1.5', '1.50', 'alpha', '2020-01-01T00:00:00Z', '01:00:00', '11111111-2222-3333-4444-555555555555', 'true', '{"a":1,"tags":["x","y"]}'],
  ['2', '20', '-2.25', '79228162514264337593543950335', 'Beta', '2020-01-01 06:30:00.1234567', '-2.00:00:02.0020002', '{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}', 'false', '{"a": {"b": [1, 2, {"c": 9223372036854775807}]}}'],
  ['9223372036854775807', '2147483647', '1e300', '0.0000000000000000000000000001', 'ünïcødé 😀', '9999-12-31T23:59:59.9999999Z', '10675199.02:48:05.4775807', '', 'True', '[1,2,3]'],
  ['-9223372036854775807', '-2147483648', '0', '-1234567890123456789012345.678', 'gamma delta', '0001-01-01T00:00:00.0000000Z', '00:00:00', '', '0', 'not json'],
  ['5', '', '', '', '', '', '', '', '', ''],
  ['6', '6', '6.0', '6', 'x6', '2020-01-02T00:00:00Z', '1.00:00:00', '', 'true', '{"a":6}'],
  ['7', '7', '7.5', '7', 'x7', '2020-01-02T12:00:00Z', '00:30:00', '', 'false', '{"a":7}'],
  ['8', '8', '8.25', '8', 'x8', '2020-01-03T00:00:00Z', '00:00:01', '', 'true', '{"a":8}'],
  ['9', '9', '9', '9', 'x9', '2020-01-03T23:59:59Z', '00:00:00.001', '', 'false', '{"a":null}'],
  ['10', '10', '10', '10', 'x10', '2020-01-04T00:00:00Z', '-00:00:01', '', 'true', '[]'],
];

export const catalog: Catalog = {
  database: 'TestDb',
  tableColumns: (table) => (table === 'T' ? T_COLUMNS : table === 'Empty' ? [{ name: 'x', type: 'long' }] : undefined),
  tableRelation: (table) => quoteIdent(`tbl_${table}`),
  tableNames: () => ['T', 'Empty'],
};

export async function openTestDb(): Promise<{ connection: DuckDBConnection; close(): void }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(`CREATE TABLE "tbl_T" (${T_COLUMNS.map((c) => `${quoteIdent(c.name)} ${duckdbType(c.type)}`).join(', ')})`);
  const values = T_ROWS.map((row) => `(${row.map((text, i) => sqlLiteral(T_COLUMNS[i].type, parseKustoText(T_COLUMNS[i].type, text))).join(', ')})`);
  await connection.run(`INSERT INTO "tbl_T" VALUES ${values.join(', ')}`);
  await connection.run(`CREATE TABLE "tbl_Empty" (x BIGINT)`);
  return { connection, close: () => { connection.closeSync(); instance.closeSync(); } };
}

export interface QueryOutput {
  columns: string[];
  /** Each row as the exact JSON text a v2 response carries. */
  rows: string[];
}

/** Compiles, runs and encodes the first result set of a query. */
export async function runQuery(connection: DuckDBConnection, query: string, parameters?: Record<string, string>): Promise<QueryOutput> {
  const compiled = compileQuery(query, catalog, parameters);
  const result = compiled.results[0];
  const rows = (await connection.runAndReadAll(result.sql)).getRows();
  return {
    columns: result.columns.map((c) => `${c.name}:${c.type}`),
    rows: rows.map((row) => v2JsonText(row.map((v, i) => encodeV2Value(result.columns[i].type, v)))),
  };
}
