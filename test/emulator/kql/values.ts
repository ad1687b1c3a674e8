// The value codec of the emulator: Kusto text <-> DuckDB storage <-> v2 JSON row values.
// Storage representation: see contract.ts.
import { KqlError, type KustoType } from './contract';
import { formatDatetime, formatTimespan, MAX_DATETIME_TICKS, parseDatetime, parseTimespan } from './temporal';

/**
 * JSON text to inline verbatim in a response row (dynamic values: keeps longs above 2^53 exact).
 * `toJSON` lets a plain JSON.stringify still produce the value (lossy only for such longs);
 * `v2JsonText` inlines the text exactly.
 */
export class RawJson {
  constructor(readonly json: string) {}
  toJSON(): unknown {
    return JSON.parse(this.json);
  }
}

/**
 * DuckDB value (storage representation) -> JSON value of a v2/v1 row.
 * long -> bigint (always: serialize with `v2JsonText`, or any bigint-aware writer),
 * int -> number, real -> number or "NaN"/"Infinity"/"-Infinity", bool -> boolean,
 * datetime -> "2020-03-04T14:05:01.3109965Z", timespan -> "-2.00:00:02.0020002",
 * decimal/guid -> string, string -> string ('' for null), dynamic -> RawJson (null for null).
 */
export function encodeV2Value(type: KustoType, stored: unknown): unknown {
  if (type === 'string') return stored === null || stored === undefined ? '' : String(stored);
  if (stored === null || stored === undefined) return null;
  switch (type) {
    case 'bool': return Boolean(stored);
    case 'int': return Number(stored);
    case 'long': return typeof stored === 'bigint' ? stored : BigInt(stored as number | string);
    case 'real': {
      const n = Number(stored);
      if (Number.isNaN(n)) return 'NaN';
      if (n === Infinity) return 'Infinity';
      if (n === -Infinity) return '-Infinity';
      return n;
    }
    case 'datetime': {
      // Arithmetic can step outside 0001..9999; Kusto has no such datetime and yields null.
      const ticks = BigInt(stored as bigint);
      return ticks < 0n || ticks > MAX_DATETIME_TICKS ? null : formatDatetime(ticks);
    }
    case 'timespan': return formatTimespan(BigInt(stored as bigint));
    case 'decimal': case 'guid': return String(stored);
    case 'dynamic': return new RawJson(String(stored));
  }
}

/** Serializes a row value from `encodeV2Value` (or any JSON value holding bigint / RawJson) exactly. */
export function v2JsonText(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof RawJson) return value.json;
  if (Array.isArray(value)) return `[${value.map(v2JsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${v2JsonText(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/** Strict literal parsing; undefined when the text is not a value of that type. */
export function tryParseKustoText(type: KustoType, text: string): unknown {
  const t = type === 'string' ? text : text.trim();
  if (type === 'string') return text;
  if (t === '' || t.toLowerCase() === 'null') return null;
  switch (type) {
    case 'bool': {
      const l = t.toLowerCase();
      if (l === 'true' || l === '1') return true;
      if (l === 'false' || l === '0') return false;
      return undefined;
    }
    case 'int': case 'long': {
      if (!/^[+-]?\d+$/.test(t)) return undefined;
      const v = BigInt(t);
      if (type === 'int') return v >= -(2n ** 31n) && v < 2n ** 31n ? Number(v) : undefined;
      return v >= LONG_MIN && v <= LONG_MAX ? v : undefined;
    }
    case 'real': return parseReal(t);
    case 'decimal': return canonicalDecimal(t);
    case 'datetime': return parseDatetime(t);
    case 'timespan': return parseTimespan(t);
    case 'guid': return canonicalGuid(t);
    case 'dynamic': return canonicalJson(t);
  }
}

/**
 * CSV/literal text -> DuckDB value, for ingestion: '' (and 'null') is null for every type but
 * string; text that is not a value of the type is null too (Kusto ingestion does not fail a
 * record for a bad field), except dynamic, where non-JSON text becomes a JSON string.
 */
export function parseKustoText(type: KustoType, text: string): unknown {
  if (type === 'dynamic') {
    const t = text.trim();
    if (t === '') return null;
    return canonicalJson(t) ?? JSON.stringify(text);
  }
  const v = tryParseKustoText(type, text);
  return v === undefined ? null : v;
}

function parseReal(t: string): number | undefined {
  const l = t.toLowerCase();
  if (l === 'nan') return NaN;
  if (l === 'inf' || l === '+inf' || l === 'infinity' || l === '+infinity') return Infinity;
  if (l === '-inf' || l === '-infinity') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return undefined;
  return Number(t);
}

const DECIMAL_MAX_MANTISSA = 2n ** 96n - 1n;

/**
 * Canonical .NET decimal text: keeps the value's own scale ("1.50" stays "1.50"), drops a leading
 * '+' and leading zeros, expands exponents; rounds (half to even) beyond 28 fractional digits or
 * the 96-bit mantissa, as System.Decimal does.
 */
export function canonicalDecimal(t: string): string | undefined {
  const m = /^([+-])?(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(t);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const negative = m[1] === '-';
  let digits = (m[2] || '') + (m[3] ?? '');
  let scale = (m[3] ?? '').length - Number(m[4] ?? 0);
  if (scale < 0) { digits += '0'.repeat(-scale); scale = 0; }
  let mantissa = BigInt(digits || '0');
  while (scale > 0 && (scale > 28 || mantissa > DECIMAL_MAX_MANTISSA)) {
    const q = mantissa / 10n; const r = mantissa % 10n;
    mantissa = r > 5n || (r === 5n && q % 2n === 1n) ? q + 1n : q;
    scale--;
  }
  if (mantissa > DECIMAL_MAX_MANTISSA) return undefined;
  let text = mantissa.toString().padStart(scale + 1, '0');
  if (scale > 0) text = `${text.slice(0, -scale)}.${text.slice(-scale)}`;
  return negative && mantissa !== 0n ? `-${text}` : text;
}

export function canonicalGuid(t: string): string | undefined {
  const hex = t.replace(/^\{(.*)\}$/, '$1').replace(/^\((.*)\)$/, '$1');
  const plain = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(hex) ? hex.replace(/-/g, '')
    : /^[0-9a-f]{32}$/i.test(hex) ? hex : undefined;
  if (!plain) return undefined;
  const l = plain.toLowerCase();
  return `${l.slice(0, 8)}-${l.slice(8, 12)}-${l.slice(12, 16)}-${l.slice(16, 20)}-${l.slice(20)}`;
}

/** Compact JSON text with number tokens kept verbatim (exact longs); undefined when not JSON. */
export function canonicalJson(t: string): string | undefined {
  try {
    JSON.parse(t);
  } catch {
    return undefined;
  }
  let out = '';
  let inString = false;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (inString) {
      out += c;
      if (c === '\\') { out += t[++i]; continue; }
      if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true; out += c;
    } else if (!/\s/.test(c)) {
      out += c;
    }
  }
  return out;
}

const DUCKDB_TYPES: Record<KustoType, string> = {
  bool: 'BOOLEAN', int: 'INTEGER', long: 'BIGINT', real: 'DOUBLE', decimal: 'VARCHAR', string: 'VARCHAR',
  datetime: 'BIGINT', timespan: 'BIGINT', guid: 'VARCHAR', dynamic: 'VARCHAR',
};

export function duckdbType(type: KustoType): string {
  return DUCKDB_TYPES[type];
}

const CSL_NAMES: Record<string, KustoType> = {
  bool: 'bool', boolean: 'bool', 'system.boolean': 'bool', 'system.sbyte': 'bool',
  int: 'int', int32: 'int', 'system.int32': 'int',
  long: 'long', int64: 'long', 'system.int64': 'long',
  real: 'real', double: 'real', 'system.double': 'real', 'system.single': 'real', float: 'real',
  decimal: 'decimal', 'system.decimal': 'decimal', 'system.data.sqltypes.sqldecimal': 'decimal',
  string: 'string', 'system.string': 'string',
  datetime: 'datetime', date: 'datetime', 'system.datetime': 'datetime',
  timespan: 'timespan', time: 'timespan', 'system.timespan': 'timespan',
  guid: 'guid', uuid: 'guid', uniqueid: 'guid', 'system.guid': 'guid',
  dynamic: 'dynamic', 'system.object': 'dynamic',
};

/** 'string', 'System.String', 'datetime', 'date', 'int64', 'double', ... -> Kusto type. */
export function parseCslType(name: string): KustoType {
  const type = CSL_NAMES[name.trim().toLowerCase()];
  if (!type) throw new KqlError(`Syntax error: SYN0002: Unknown type '${name}'`, 'SYN0002');
  return type;
}

const CLR_NAMES: Record<KustoType, string> = {
  // Kusto reports bool columns as System.SByte in schemas (its storage type), not System.Boolean.
  bool: 'System.SByte', int: 'System.Int32', long: 'System.Int64', real: 'System.Double',
  decimal: 'System.Data.SqlTypes.SqlDecimal', string: 'System.String', datetime: 'System.DateTime',
  timespan: 'System.TimeSpan', guid: 'System.Guid', dynamic: 'System.Object',
};

export function clrTypeName(type: KustoType): string {
  return CLR_NAMES[type];
}

/** A SQL literal of a stored value, typed in its storage type. */
export function sqlLiteral(type: KustoType, stored: unknown): string {
  const dt = duckdbType(type);
  if (stored === null || stored === undefined) return type === 'string' ? "''" : `CAST(NULL AS ${dt})`;
  switch (type) {
    case 'bool': return stored ? 'TRUE' : 'FALSE';
    case 'real': {
      const n = Number(stored);
      if (Number.isNaN(n)) return "CAST('NaN' AS DOUBLE)";
      if (!Number.isFinite(n)) return `CAST('${n > 0 ? 'Infinity' : '-Infinity'}' AS DOUBLE)`;
      return `CAST(${String(n)} AS DOUBLE)`;
    }
    case 'int': case 'long': case 'datetime': case 'timespan': return `CAST(${String(stored)} AS ${dt})`;
    default: return sqlString(String(stored));
  }
}

export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
