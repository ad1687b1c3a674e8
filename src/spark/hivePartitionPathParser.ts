// Reads Hive-style partition folders ("col=value") back into columns, as Spark's partition
// discovery does: %XX escapes decoded like Spark's ExternalCatalogUtils.unescapePathName (a "%"
// not followed by two hex digits stays as it is), __HIVE_DEFAULT_PARTITION__ becomes null, and the
// column type is inferred from all values seen (ints → long, dates/timestamps → datetime, else string).
import type { KustoType } from '../engine/rows';
import { HIVE_DEFAULT_PARTITION } from './hivePartitionPath';

export function unescapePathName(text: string): string {
  if (!text.includes('%')) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '%' && i + 2 < text.length && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      out += String.fromCharCode(parseInt(text.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

/** The (column, value) of one folder name, or undefined when the name is not `col=value`. */
export function parsePartitionFolder(name: string): { column: string; value: string | null } | undefined {
  const eq = name.indexOf('=');
  if (eq <= 0) return undefined;
  const column = unescapePathName(name.slice(0, eq));
  const raw = name.slice(eq + 1);
  if (raw === HIVE_DEFAULT_PARTITION || raw === '') return { column, value: null };
  return { column, value: unescapePathName(raw) };
}

/** Partition values along a relative path's folders ("a=1/b=x/part-0.parquet" → {a:"1", b:"x"}). */
export function partitionValuesOf(relativePath: string): Record<string, string | null> {
  const segments = relativePath.split('/');
  segments.pop();
  const values: Record<string, string | null> = {};
  for (const segment of segments) {
    const parsed = parsePartitionFolder(segment);
    if (parsed) values[parsed.column] = parsed.value;
  }
  return values;
}

const LONG_TEXT = /^[-+]?\d{1,19}$/;
const DATE_TEXT = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function fitsLong(text: string): boolean {
  if (!LONG_TEXT.test(text)) return false;
  const value = BigInt(text);
  return value <= 9223372036854775807n && value >= -9223372036854775808n;
}

/** The Kusto type of a partition column from every value it takes (nulls do not vote). */
export function inferPartitionType(values: Iterable<string | null>): KustoType {
  let allLong = true;
  let allDate = true;
  let any = false;
  for (const value of values) {
    if (value === null) continue;
    any = true;
    if (allLong && !fitsLong(value)) allLong = false;
    if (allDate && !(DATE_TEXT.test(value) && !Number.isNaN(Date.parse(value.replace(' ', 'T'))))) allDate = false;
  }
  if (!any) return 'string';
  if (allLong) return 'long';
  if (allDate) return 'datetime';
  return 'string';
}
