// Ingestion mappings (CSV by ordinal, JSON/Parquet by path) in their current and legacy shapes,
// normalized, plus the transforms the emulator applies.
import type { KustoColumn } from '../kql/contract';
import type { TableMeta } from '../store/store';
import { IngestError } from './ingestError';

export interface ColumnSource {
  column: KustoColumn;
  ordinal?: number;
  path?: Array<string | number>;
  transform?: string;
  constValue?: string;
}

type RawEntry = Record<string, unknown>;

function pick(entry: RawEntry, ...keys: string[]): unknown {
  for (const k of Object.keys(entry)) if (keys.includes(k.toLowerCase())) return entry[k];
  const props = Object.entries(entry).find(([k]) => k.toLowerCase() === 'properties')?.[1];
  if (props && typeof props === 'object') {
    for (const [k, v] of Object.entries(props as RawEntry)) if (keys.includes(k.toLowerCase())) return v;
  }
  return undefined;
}

/** `$.a.b`, `$['a b'][0]`, `$` → segments. */
export function parseJsonPath(path: string): Array<string | number> {
  const p = path.trim();
  if (!p.startsWith('$')) return [p];
  const out: Array<string | number> = [];
  const re = /\.([^.[\]]+)|\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\]|\[\s*(\d+)\s*\]/gy;
  re.lastIndex = 1;
  let m: RegExpExecArray | null;
  while (re.lastIndex < p.length && (m = re.exec(p))) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(m[2]);
    else if (m[3] !== undefined) out.push(m[3]);
    else out.push(Number(m[4]));
  }
  if (re.lastIndex !== 0 && re.lastIndex < p.length) throw new IngestError('BadRequest_InvalidMapping', `Unsupported JSON path '${path}'`);
  return out;
}

/** The mapping's entries against the table's columns; undefined mapping → defaults. */
export function resolveMapping(table: TableMeta, mappingJson: string | undefined, byName: boolean): ColumnSource[] {
  if (!mappingJson) {
    return table.columns.map((column, ordinal) => (byName ? { column, path: [column.name] } : { column, ordinal }));
  }
  let entries: unknown;
  try {
    entries = JSON.parse(mappingJson);
  } catch {
    throw new IngestError('BadRequest_InvalidMapping', 'Ingestion mapping is not valid JSON');
  }
  if (!Array.isArray(entries)) throw new IngestError('BadRequest_InvalidMapping', 'Ingestion mapping is not a JSON array');
  return entries.map((raw) => {
    const entry = raw as RawEntry;
    const name = String(pick(entry, 'column', 'name') ?? '');
    const column = table.columns.find((c) => c.name === name);
    if (!column) throw new IngestError('BadRequest_InvalidMapping', `Ingestion mapping refers to column '${name}', which table '${table.name}' does not have`);
    const ordinal = pick(entry, 'ordinal');
    const path = pick(entry, 'path');
    const field = pick(entry, 'field');
    const constValue = pick(entry, 'constvalue');
    const transform = pick(entry, 'transform');
    return {
      column,
      ordinal: ordinal !== undefined && ordinal !== null && ordinal !== '' ? Number(ordinal) : undefined,
      path: typeof path === 'string' ? parseJsonPath(path) : typeof field === 'string' ? [field] : undefined,
      transform: typeof transform === 'string' ? transform : undefined,
      constValue: constValue !== undefined && constValue !== null ? String(constValue) : undefined,
    };
  });
}

const UNIX_EPOCH_TICKS = 621_355_968_000_000_000n;
const UNIX_FACTORS: Record<string, [bigint, bigint]> = {
  // [multiply, divide] to get 100 ns ticks
  datetimefromunixseconds: [10_000_000n, 1n],
  datetimefromunixmilliseconds: [10_000n, 1n],
  datetimefromunixmicroseconds: [10n, 1n],
  datetimefromunixnanoseconds: [1n, 100n],
};

/** Applies a DateTimeFromUnix* transform to a numeric value; undefined for other transforms. */
export function unixTransform(transform: string | undefined, value: unknown): bigint | null | undefined {
  if (!transform) return undefined;
  const factor = UNIX_FACTORS[transform.toLowerCase()];
  if (!factor) return undefined;
  if (value === null || value === undefined || value === '') return null;
  const text = String(value);
  if (/^-?\d+$/.test(text)) return (BigInt(text) * factor[0]) / factor[1] + UNIX_EPOCH_TICKS;
  const n = Number(text);
  if (!Number.isFinite(n)) return null;
  return BigInt(Math.round((n * Number(factor[0])) / Number(factor[1]))) + UNIX_EPOCH_TICKS;
}
