// A text column of the files that meets a numeric or bool column of an existing table: Kusto would
// turn every value that does not parse into null, and the job would say Done. Inference typed the
// column as text because some sampled value was not a number, so that loss is certain, not a risk.
import type { ColumnSchema } from '../rows';
import type { FileSchema } from './sourceSchema';

const LOSSY_FROM_TEXT = new Set(['long', 'int', 'real', 'decimal', 'bool']);

/** The first file whose text column would land as nulls in a typed column of the table, as a message; undefined when none. */
export function textIntoTypedColumnProblem(table: string, tableColumns: readonly ColumnSchema[], perFile: ReadonlyMap<string, FileSchema>): string | undefined {
  const byName = new Map(tableColumns.map((c) => [c.name.toLowerCase(), c]));
  for (const [relativePath, schema] of perFile) {
    const untyped = new Set(schema.untyped ?? []);
    for (const column of schema.columns) {
      const target = byName.get(column.name.toLowerCase());
      if (!target || column.type !== 'string' || untyped.has(column.name) || !LOSSY_FROM_TEXT.has(target.type)) continue;
      return `${relativePath}: column "${column.name}" holds values that are not ${target.type}, and table "${table}" has ${target.name}:${target.type}, so they would land as null. Fix the file's values, or ingest into a table (or a new column) of type string.`;
    }
  }
  return undefined;
}
