// The user's edits of a new table's schema (destination.columns: rename, retype, drop) applied to
// the schema inferred from the files: the columns the table is created with, and which table column
// each source column fills. Checked against the files before anything is created.
import type { TableColumnEdit } from '../jobSpec';
import type { ColumnSchema, KustoType } from '../rows';
import { SourceSchemaError } from './sourceSchema';

export interface EditedColumns {
  /** The table's columns, in the order of the edits. */
  columns: ColumnSchema[];
  /** The table column a source column fills, or undefined for a source column left out (dropped). */
  targetOf: (source: string) => string | undefined;
  /** Source columns left out of the table. */
  dropped: string[];
}

/** Without edits every source column lands under its own name and inferred type. */
export function applyColumnEdits(sourceColumns: ColumnSchema[], edits: TableColumnEdit[] | undefined): EditedColumns {
  if (!edits) return { columns: sourceColumns, targetOf: (source) => source, dropped: [] };
  const byLower = new Map(sourceColumns.map((c) => [c.name.toLowerCase(), c]));
  const unknown = edits.filter((e) => !byLower.has(e.source.toLowerCase())).map((e) => JSON.stringify(e.source));
  if (unknown.length > 0) {
    throw new SourceSchemaError(`destination.columns names source column(s) ${unknown.join(', ')} that the files do not have (their columns: ${sourceColumns.map((c) => JSON.stringify(c.name)).join(', ')}); nothing was changed`);
  }
  const target = new Map(edits.map((e) => [e.source.toLowerCase(), e.name]));
  return {
    columns: edits.map((e) => ({ name: e.name, type: e.type as KustoType })),
    targetOf: (source) => target.get(source.toLowerCase()),
    dropped: sourceColumns.filter((c) => !target.has(c.name.toLowerCase())).map((c) => c.name),
  };
}
