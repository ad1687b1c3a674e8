// Whether a text or JSON value lands in a Kusto column of a given type, or becomes null. The
// service makes a value that does not parse as the column's type null and reports nothing, so
// these rules decide what the sink counts (typeConformance.ts). They follow Kusto's ingestion:
// empty text and `null` are null (not a loss); text is trimmed for every type but string; a CSV
// value never fails a dynamic column (text that is not JSON becomes a JSON string).
import type { KustoType } from '../rows';

const INTEGER = /^[+-]?\d+$/;
const REAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const REAL_WORDS = new Set(['nan', 'inf', '+inf', '-inf', 'infinity', '+infinity', '-infinity']);
const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i;
const DATETIME = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const TIMESPAN_CLOCK = /^-?(?:\d+\.)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/;
const TIMESPAN_UNITS = /^-?\d+(?:\.\d+)?\s*(d|days?|h|hrs?|hours?|m|min|minutes?|s|sec|seconds?|ms|millis?|milliseconds?|microseconds?|ticks?)?$/i;
const GUID_DASHED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const GUID_PLAIN = /^[0-9a-f]{32}$/i;

const INT_MIN = -(2n ** 31n);
const INT_MAX = 2n ** 31n - 1n;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
/** Kusto's decimal is .NET's: a 96-bit mantissa and at most 28 fraction digits (more are rounded). */
const DECIMAL_MANTISSA_MAX = 2n ** 96n - 1n;
const DECIMAL_MAX_SCALE = 28;

function integerFits(t: string, min: bigint, max: bigint): boolean {
  if (!INTEGER.test(t)) return false;
  // Up to 9 digits fit an int and a long whatever the sign: no BigInt needed on the common path.
  if (t.length <= 9) return true;
  const v = BigInt(t);
  return v >= min && v <= max;
}

function decimalFits(t: string): boolean {
  const m = DECIMAL.exec(t);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return false;
  let digits = m[2] + (m[3] ?? '');
  let scale = (m[3] ?? '').length - Number(m[4] ?? 0);
  if (scale < 0) {
    // A huge exponent cannot fit: say so before building a string of that many zeros.
    if (digits.replace(/^0+/, '').length - scale > 40) return /^0*$/.test(digits);
    digits += '0'.repeat(-scale);
    scale = 0;
  }
  // So many fraction digits that the value rounds to zero (1e-1000000): it fits, no need to round digit by digit.
  if (scale - digits.length > DECIMAL_MAX_SCALE) return true;
  let mantissa = BigInt(digits || '0');
  // Fraction digits beyond what fits are rounded away (half to even), as .NET does.
  while (scale > 0 && (scale > DECIMAL_MAX_SCALE || mantissa > DECIMAL_MANTISSA_MAX)) {
    const q = mantissa / 10n;
    const r = mantissa % 10n;
    mantissa = r > 5n || (r === 5n && q % 2n === 1n) ? q + 1n : q;
    scale--;
  }
  return mantissa <= DECIMAL_MANTISSA_MAX;
}

/** Days from 0001-01-01 to a proleptic Gregorian date. */
function dayNumber(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  return era * 146097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 306;
}

const LAST_DAY = dayNumber(9999, 12, 31);

function datetimeFits(t: string): boolean {
  const m = DATETIME.exec(t);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const nextMonth = month === 12 ? dayNumber(year + 1, 1, 1) : dayNumber(year, month + 1, 1);
  if (day > nextMonth - dayNumber(year, month, 1)) return false;
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (hour > 23 || minute > 59 || second > 59) return false;
  // A zone may move the instant outside 0001-01-01 .. 9999-12-31: then it is no datetime either.
  let minutes = (dayNumber(year, month, day) * 24 + hour) * 60 + minute;
  const zone = m[7];
  if (zone && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
    minutes -= zone.startsWith('-') ? -offset : offset;
  }
  return minutes >= 0 && minutes < (LAST_DAY + 1) * 24 * 60;
}

function timespanFits(t: string): boolean {
  const clock = TIMESPAN_CLOCK.exec(t);
  if (clock) return Number(clock[1]) <= 23 && Number(clock[2]) <= 59 && Number(clock[3] ?? 0) <= 59;
  return TIMESPAN_UNITS.test(t);
}

/** True when a non-empty text is a value of the type (what the service stores); false when it would be null. */
export function textParsesAs(type: KustoType, text: string): boolean {
  if (type === 'string') return true;
  const t = text.trim();
  if (t === '' || t.toLowerCase() === 'null') return true; // null by intent, not a loss
  switch (type) {
    case 'bool': {
      const l = t.toLowerCase();
      return l === 'true' || l === 'false' || l === '1' || l === '0';
    }
    case 'int': return integerFits(t, INT_MIN, INT_MAX);
    case 'long': return integerFits(t, LONG_MIN, LONG_MAX);
    case 'real': return REAL.test(t) || REAL_WORDS.has(t.toLowerCase());
    case 'decimal': return decimalFits(t);
    case 'datetime': return datetimeFits(t);
    case 'timespan': return timespanFits(t);
    case 'guid': {
      const inner = t.replace(/^\{(.*)\}$/, '$1').replace(/^\((.*)\)$/, '$1');
      return GUID_DASHED.test(inner) || GUID_PLAIN.test(inner);
    }
    case 'dynamic': return true; // text that is not JSON is stored as a JSON string
  }
}

/** Types into which some text value becomes null (string and dynamic take every value from text). */
export function canLoseText(type: KustoType): boolean {
  return type !== 'string' && type !== 'dynamic';
}

/** A JSON number token kept as text (integers past 2^53 would not survive as a JS number). */
export class JsonNumberText {
  constructor(readonly text: string) {}
}

/**
 * True when a value of a JSON record lands in a column of the type. Missing and null are null by
 * intent; an object or array lands only in dynamic or string; a number or bool is read from its
 * text, so `1.5` is no long and `true` no real, while `1` is a bool.
 */
export function jsonValueParsesAs(type: KustoType, value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (value instanceof JsonNumberText) return textParsesAs(type, value.text);
  if (typeof value === 'object') return type === 'dynamic' || type === 'string';
  return textParsesAs(type, String(value));
}
