// A management command's result table followed by query operators (`.show tables | where ...`,
// `.show table T extents; $command_results | summarize ...`): the service runs the query over
// the command's result. The emulator hands that table to its KQL compiler as a relation named
// `$command_results` and answers the query's result as the command's.
import type { Catalog, KustoColumn, KustoType } from '../kql/contract';
import { compileQuery } from '../kql/compiler';
import { quoteIdent } from '../kql/sqlText';
import { canonicalJson, encodeV2Value, sqlLiteral, tryParseKustoText } from '../kql/values';
import type { EmulatorContext } from '../server/context';
import { badRequest } from '../server/errors';
import type { MgmtTable } from './results';
import { tokenize } from './tokens';

export const COMMAND_RESULTS = '$command_results';

export interface CommandPipe {
  /** The command whose result the query reads. */
  command: string;
  /** KQL over `$command_results`. */
  query: string;
}

/**
 * Finds `.show ... | query` or `.show ...; $command_results ...` (outside string literals, and
 * before any `<|`, whose right side belongs to the command). Undefined when there is no pipe.
 */
export function splitCommandPipe(text: string): CommandPipe | undefined {
  const tokens = tokenize(text);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind !== 'mark') continue;
    if (t.text === '<|') return undefined;
    if (t.text === '|') return { command: text.slice(0, t.start).trim(), query: `${COMMAND_RESULTS} ${text.slice(t.start)}` };
    if (t.text === ';') {
      const next = tokens[i + 1];
      if (next?.kind !== 'word' || next.text !== COMMAND_RESULTS) throw badRequest(`Syntax error: SYN0002: after ';' a command's result is read as '${COMMAND_RESULTS}'`);
      return { command: text.slice(0, t.start).trim(), query: text.slice(next.start) };
    }
  }
  return undefined;
}

/** A command result's value (JSON as the v1 table holds it) in the engine's storage form. */
function storedValue(type: KustoType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'string': return typeof value === 'string' ? value : JSON.stringify(value);
    case 'dynamic': return typeof value === 'string' ? canonicalJson(value) ?? JSON.stringify(value) : JSON.stringify(value);
    case 'bool': return Boolean(value);
    case 'int': case 'long': case 'real': return typeof value === 'string' ? tryParseKustoText(type, value) ?? null : value;
    default: return tryParseKustoText(type, String(value)) ?? null;
  }
}

/** The table as a DuckDB SELECT whose columns are the table's, in the storage representation. */
function relationOf(table: MgmtTable): { sql: string; columns: KustoColumn[] } {
  const columns = table.columns.map(([name, type]) => ({ name, type }));
  if (table.rows.length === 0) {
    return { sql: `SELECT ${columns.map((c) => `${sqlLiteral(c.type, null)} AS ${quoteIdent(c.name)}`).join(', ')} WHERE FALSE`, columns };
  }
  const rows = table.rows.map((row) => `(${columns.map((c, i) => sqlLiteral(c.type, storedValue(c.type, row[i]))).join(', ')})`);
  return { sql: `SELECT * FROM (VALUES ${rows.join(', ')}) AS _cmd(${columns.map((c) => quoteIdent(c.name)).join(', ')})`, columns };
}

/** Runs `pipe.query` over the command's result table. */
export async function runQueryOverResult(ctx: EmulatorContext, table: MgmtTable, query: string): Promise<MgmtTable> {
  const relation = relationOf(table);
  const catalog: Catalog = {
    database: '',
    tableColumns: (name) => (name === COMMAND_RESULTS ? relation.columns : undefined),
    tableRelation: () => `(${relation.sql}) AS _command_results`,
    tableNames: () => [COMMAND_RESULTS],
  };
  const compiled = compileQuery(query, catalog);
  if (compiled.results.length !== 1 || compiled.special) throw badRequest('Syntax error: a query after a command must have exactly one tabular result');
  const [result] = compiled.results;
  const connection = await ctx.store.connect();
  try {
    const reader = await connection.runAndReadAll(result.sql);
    const types = result.columns.map((c) => c.type);
    return {
      columns: result.columns.map((c) => [c.name, c.type]),
      rows: reader.getRows().map((row) => row.map((v, i) => encodeV2Value(types[i], v))),
    };
  } finally {
    connection.closeSync();
  }
}
