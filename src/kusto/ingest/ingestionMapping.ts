// The ingestion mapping made for one file: source columns mapped to the table's columns BY NAME
// (never by position, so a file whose columns come in another order, or miss some, cannot land in
// the wrong columns), partition values as constants. Shape as Kusto takes it inline in a queue
// message or a streaming request: [{"Column","Properties":{"Ordinal"|"Path"|"ConstValue"}}].
import type { ColumnSchema } from '../../engine/rows';
import type { DataFormat } from '../../formats/formatSniffReader';

export interface MappingEntry {
  Column: string;
  Properties: { Ordinal?: string; Path?: string; ConstValue?: string };
}

export type MappingKind = 'Csv' | 'Json' | 'Parquet';

export function mappingKindOf(format: DataFormat): MappingKind {
  if (format === 'parquet') return 'Parquet';
  if (format === 'json' || format === 'multijson') return 'Json';
  return 'Csv';
}

export interface FileMapping {
  kind: MappingKind;
  entries: MappingEntry[];
  /** Source columns with no column in the table (their values are not ingested). */
  unmatched: string[];
  /** Source columns the job's column edits leave out (dropped on purpose). */
  omitted: string[];
}

/** JSON path of a top-level property, quoted so that any name works. */
export function jsonPathOf(name: string): string {
  return `$['${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
}

/**
 * Maps the file's columns (in file order: CSV ordinals follow it) and its partition values onto
 * the table's columns. Exact name first, then a case-insensitive match (Spark is case-insensitive).
 * `targetOf` (the job's column edits) names the table column a source column fills under another
 * name, or undefined to leave it out.
 */
export function buildFileMapping(format: DataFormat, fileColumns: string[], partitionValues: Record<string, string | null>, tableColumns: ColumnSchema[], targetOf: (source: string) => string | undefined = (source) => source): FileMapping {
  const kind = mappingKindOf(format);
  const used = new Set<string>();
  const find = (name: string): string | undefined => {
    const exact = tableColumns.find((c) => c.name === name && !used.has(c.name));
    const match = exact ?? tableColumns.find((c) => c.name.toLowerCase() === name.toLowerCase() && !used.has(c.name));
    if (match) used.add(match.name);
    return match?.name;
  };
  const entries: MappingEntry[] = [];
  const unmatched: string[] = [];
  const omitted: string[] = [];
  /** The table column a source column fills; undefined (noted as omitted or unmatched) for none. */
  const columnFor = (name: string): string | undefined => {
    const target = targetOf(name);
    if (target === undefined) {
      omitted.push(name);
      return undefined;
    }
    const column = find(target);
    if (!column) unmatched.push(name);
    return column;
  };
  fileColumns.forEach((name, ordinal) => {
    const column = columnFor(name);
    if (column === undefined) return;
    entries.push({ Column: column, Properties: kind === 'Csv' ? { Ordinal: String(ordinal) } : { Path: jsonPathOf(name) } });
  });
  for (const [name, value] of Object.entries(partitionValues)) {
    if (fileColumns.some((c) => c.toLowerCase() === name.toLowerCase())) continue; // the file's own column wins, as in Spark
    const column = columnFor(name);
    if (column === undefined) continue;
    // A null partition (__HIVE_DEFAULT_PARTITION__) is left unmapped: the column gets null.
    if (value !== null) entries.push({ Column: column, Properties: { ConstValue: value } });
  }
  return { kind, entries, unmatched, omitted };
}
