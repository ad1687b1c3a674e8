// Parquet with partitionBy on the fast path: rows parsed from the response's bytes into column
// buffers (rowSpanColumns.ts) are routed to their partition's file by the values in those buffers
// (SparkFolderWriter.writeColumns), so the folder names must come out as the text parser's values
// give them (hivePartitionPath.ts). That holds for the types below; a datetime or decimal
// partition value needs its text, which the buffers do not keep, so such tables (and dynamic or
// timespan ones) stay on the text parser.
import type { ColumnSchema, KustoType, Row } from '../../engine/rows';

const ROUTED_TYPES: ReadonlySet<KustoType> = new Set<KustoType>(['bool', 'int', 'long', 'real', 'string', 'guid']);

/** Whether rows of these columns can be routed to partitions from their column buffers (every partition column found, of a type above). */
export function partitionsRouteFromBuffers(columns: readonly ColumnSchema[], partitionBy: readonly string[]): boolean {
  return partitionBy.length > 0 && partitionBy.every((name) => {
    const column = columns.find((c) => c.name === name);
    return column !== undefined && ROUTED_TYPES.has(column.type);
  });
}

/**
 * A check of the rows the JavaScript parses into the buffers (those the WebAssembly parser left):
 * an int partition value must be an exact 32-bit integer, as the buffer keeps it. The text parser
 * makes a double of an int's text (1.5, 3000000000, NaN), whose folder name is that double's
 * text while the file holds it wrapped: such a row is left to the text parser. Undefined when no
 * check is needed.
 */
export function partitionRowCheck(columns: readonly ColumnSchema[], partitionBy: readonly string[]): ((row: Row) => boolean) | undefined {
  const ints = partitionBy.map((name) => columns.findIndex((c) => c.name === name)).filter((i) => i >= 0 && columns[i].type === 'int');
  if (ints.length === 0) return undefined;
  return (row) => ints.every((i) => {
    const v = row[i];
    return v === null || v === undefined || (typeof v === 'number' && (v | 0) === v);
  });
}
