// Infers Kusto column types from text samples (CSV cells, JSON values). Conservative: a column is
// typed only when every non-empty sample value fits; anything doubtful stays string (CSV) or
// dynamic (JSON), which ingest without loss.
import type { KustoType } from '../engine/rows';

const LONG = /^[-+]?\d{1,19}$/;
const REAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^[-+]?(NaN|Infinity|inf)$/i;
const DATETIME = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?\s?(Z|[+-]\d{2}:?\d{2})?)?$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BOOL = /^(true|false)$/i;

function fitsLong(text: string): boolean {
  if (!LONG.test(text)) return false;
  const v = BigInt(text);
  return v <= 9223372036854775807n && v >= -9223372036854775808n;
}

/** The narrowest Kusto type of one non-empty text value. */
export function textValueType(text: string): KustoType {
  if (BOOL.test(text)) return 'bool';
  if (fitsLong(text)) return 'long';
  if (REAL.test(text)) return 'real';
  if (DATETIME.test(text) && !Number.isNaN(Date.parse(text.replace(' ', 'T')))) return 'datetime';
  if (GUID.test(text)) return 'guid';
  return 'string';
}

/** Joins the types two samples of one column took. */
export function widenType(a: KustoType | undefined, b: KustoType, fallback: KustoType): KustoType {
  if (a === undefined || a === b) return b;
  if ((a === 'long' && b === 'real') || (a === 'real' && b === 'long')) return 'real';
  const textual = new Set<KustoType>(['string', 'datetime', 'guid']);
  if (textual.has(a) && textual.has(b)) return 'string';
  return fallback;
}

/** The type of a JSON value: numbers split into long and real, strings typed by their text (dates, guids). */
export function jsonValueType(value: unknown): KustoType | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER ? 'long' : 'real';
  if (typeof value === 'string') {
    const t = textValueType(value);
    return t === 'datetime' || t === 'guid' ? t : 'string';
  }
  return 'dynamic';
}
