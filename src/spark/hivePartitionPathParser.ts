// Reads Hive-style partition folders ("col=value") back into columns, as Spark's partition
// discovery does: %XX escapes decoded like Spark's ExternalCatalogUtils.unescapePathName (a "%"
// not followed by two hex digits stays as it is), __HIVE_DEFAULT_PARTITION__ becomes null, and the
// column type is inferred from all values seen (ints → long, numbers → real, dates/timestamps →
// datetime, else string).
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

// A number as Spark's partition inference reads one (Java's Double parsing): "-1.0", "2.5", "1.0E7", "NaN", "Infinity".
const DOUBLE_TEXT = /^[-+]?((\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|NaN|Infinity)$/;
const DECIMAL_TEXT = /^[-+]?(\d+)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/;

type PartitionKind = 'long' | 'decimal' | 'double' | 'date' | 'string';

/**
 * One value's kind, tried in Spark's order: an integer, then a decimal with no fraction (Java's
 * BigDecimal with scale <= 0, e.g. "1.0E7"), then a double, then a date or timestamp.
 */
function kindOf(value: string): PartitionKind {
  if (fitsLong(value)) return 'long';
  const decimal = DECIMAL_TEXT.exec(value);
  // (Spark takes a decimal only up to 38 digits; a longer one is a double to it.)
  if (decimal && (decimal[2] ?? '').length - Number(decimal[3] ?? 0) <= 0 && (decimal[1] + (decimal[2] ?? '')).replace(/^0+/, '').length <= 38) return 'decimal';
  if (DOUBLE_TEXT.test(value)) return 'double';
  if (DATE_TEXT.test(value) && !Number.isNaN(Date.parse(value.replace(' ', 'T')))) return 'date';
  return 'string';
}

/**
 * The Kusto type of a partition column from every value it takes (nulls do not vote), merged as
 * Spark merges partition types: integers with decimals → decimal, integers with doubles → real,
 * decimals with doubles → string (Spark's rule), dates and timestamps → datetime, else string.
 */
export function inferPartitionType(values: Iterable<string | null>): KustoType {
  const kinds = new Set<PartitionKind>();
  for (const value of values) if (value !== null) kinds.add(kindOf(value));
  if (kinds.size === 0 || kinds.has('string')) return 'string';
  if (kinds.has('date')) return kinds.size === 1 ? 'datetime' : 'string';
  if (kinds.has('decimal') && kinds.has('double')) return 'string';
  if (kinds.has('double')) return 'real';
  if (kinds.has('decimal')) return 'decimal';
  return 'long';
}
