// Kusto datetime and timespan values as 100 ns ticks (BigInt), and their text forms.
// datetime ticks count from 0001-01-01T00:00:00Z (proleptic Gregorian, as .NET DateTime);
// DuckDB's own timestamps cannot hold the whole 0001..9999 range at 100 ns, hence ticks.

export const TICKS_PER_MS = 10_000n;
export const TICKS_PER_SECOND = 10_000_000n;
export const TICKS_PER_MINUTE = 60n * TICKS_PER_SECOND;
export const TICKS_PER_HOUR = 60n * TICKS_PER_MINUTE;
export const TICKS_PER_DAY = 24n * TICKS_PER_HOUR;
export const MAX_DATETIME_TICKS = 3_155_378_975_999_999_999n; // 9999-12-31T23:59:59.9999999Z
/** Ticks of 1970-01-01T00:00:00Z. */
export const UNIX_EPOCH_TICKS = 621_355_968_000_000_000n;

/** Days since 0001-01-01 of a proleptic Gregorian date (month 1..12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 306; // 306: days from 0000-03-01 to 0001-01-01
}

export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 306;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: era * 400 + yoe + (month <= 2 ? 1 : 0), month, day };
}

function daysInMonth(year: number, month: number): number {
  return daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) - daysFromCivil(year, month, 1);
}

const pad = (n: number | bigint, width: number): string => n.toString().padStart(width, '0');

/** Seven-digit fraction with trailing zeros trimmed, as Kusto writes it ('' when zero). */
function fraction(ticks: bigint): string {
  if (ticks === 0n) return '';
  return '.' + pad(ticks, 7).replace(/0+$/, '');
}

/** "2020-03-04T14:05:01.3109965Z" (trailing fraction zeros trimmed, as the service does). */
export function formatDatetime(ticks: bigint): string {
  const days = ticks / TICKS_PER_DAY;
  let rest = ticks % TICKS_PER_DAY;
  const { year, month, day } = civilFromDays(Number(days));
  const h = rest / TICKS_PER_HOUR; rest %= TICKS_PER_HOUR;
  const m = rest / TICKS_PER_MINUTE; rest %= TICKS_PER_MINUTE;
  const s = rest / TICKS_PER_SECOND; rest %= TICKS_PER_SECOND;
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}${fraction(rest)}Z`;
}

/** "[-][d.]hh:mm:ss[.fffffff]" as Kusto writes a timespan, e.g. "-2.00:00:02.0020002". */
export function formatTimespan(ticks: bigint): string {
  const negative = ticks < 0n;
  let rest = negative ? -ticks : ticks;
  const d = rest / TICKS_PER_DAY; rest %= TICKS_PER_DAY;
  const h = rest / TICKS_PER_HOUR; rest %= TICKS_PER_HOUR;
  const m = rest / TICKS_PER_MINUTE; rest %= TICKS_PER_MINUTE;
  const s = rest / TICKS_PER_SECOND; rest %= TICKS_PER_SECOND;
  return `${negative ? '-' : ''}${d > 0n ? `${d}.` : ''}${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}${fraction(rest)}`;
}

function fractionTicks(digits: string | undefined): bigint {
  if (!digits) return 0n;
  // More than 7 digits: .NET keeps 100 ns, the rest is dropped.
  return BigInt(digits.slice(0, 7).padEnd(7, '0'));
}

const DATETIME_RE =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** Parses the ISO-like forms Kusto accepts for datetime; undefined when not a datetime. */
export function parseDatetime(text: string): bigint | undefined {
  const m = DATETIME_RE.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  const [h, min, s] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (h > 23 || min > 59 || s > 59) return undefined;
  let ticks = BigInt(daysFromCivil(year, month, day)) * TICKS_PER_DAY + BigInt(h) * TICKS_PER_HOUR +
    BigInt(min) * TICKS_PER_MINUTE + BigInt(s) * TICKS_PER_SECOND + fractionTicks(m[7]);
  const zone = m[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1n : 1n;
    const digits = zone.slice(1).replace(':', '');
    ticks -= sign * (BigInt(Number(digits.slice(0, 2))) * TICKS_PER_HOUR + BigInt(Number(digits.slice(2))) * TICKS_PER_MINUTE);
  }
  if (ticks < 0n || ticks > MAX_DATETIME_TICKS) return undefined;
  return ticks;
}

const TIMESPAN_CLOCK_RE = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/;
const TIMESPAN_UNIT_RE =
  /^(-)?(\d+(?:\.\d+)?)\s*(d|day|days|h|hr|hrs|hour|hours|m|min|minute|minutes|s|sec|second|seconds|ms|milli|millis|millisecond|milliseconds|microsecond|microseconds|tick|ticks)?$/i;

const UNIT_TICKS: Record<string, bigint> = {
  d: TICKS_PER_DAY, day: TICKS_PER_DAY, days: TICKS_PER_DAY,
  h: TICKS_PER_HOUR, hr: TICKS_PER_HOUR, hrs: TICKS_PER_HOUR, hour: TICKS_PER_HOUR, hours: TICKS_PER_HOUR,
  m: TICKS_PER_MINUTE, min: TICKS_PER_MINUTE, minute: TICKS_PER_MINUTE, minutes: TICKS_PER_MINUTE,
  s: TICKS_PER_SECOND, sec: TICKS_PER_SECOND, second: TICKS_PER_SECOND, seconds: TICKS_PER_SECOND,
  ms: TICKS_PER_MS, milli: TICKS_PER_MS, millis: TICKS_PER_MS, millisecond: TICKS_PER_MS, milliseconds: TICKS_PER_MS,
  microsecond: 10n, microseconds: 10n, tick: 1n, ticks: 1n,
};

/** Multiplies a decimal text by a tick unit exactly (e.g. "1.5" hours). */
function scaledTicks(number: string, unit: bigint): bigint {
  const [whole, frac = ''] = number.split('.');
  const scale = 10n ** BigInt(frac.length);
  return (BigInt(whole + frac) * unit) / scale;
}

/** Parses "[-][d.]hh:mm[:ss[.f]]" and Kusto's unit forms ("1d", "2h", "30m", "100ms", "1.5h"). */
export function parseTimespan(text: string): bigint | undefined {
  const t = text.trim();
  const clock = TIMESPAN_CLOCK_RE.exec(t);
  if (clock) {
    const [h, m, s] = [Number(clock[3]), Number(clock[4]), Number(clock[5] ?? 0)];
    if (h > 23 || m > 59 || s > 59) return undefined;
    const ticks = BigInt(clock[2] ?? 0) * TICKS_PER_DAY + BigInt(h) * TICKS_PER_HOUR + BigInt(m) * TICKS_PER_MINUTE +
      BigInt(s) * TICKS_PER_SECOND + fractionTicks(clock[6]);
    return clock[1] ? -ticks : ticks;
  }
  const unit = TIMESPAN_UNIT_RE.exec(t);
  if (unit) {
    // A bare number is days, as in time(2).
    const ticks = scaledTicks(unit[2], UNIT_TICKS[(unit[3] ?? 'd').toLowerCase()]);
    return unit[1] ? -ticks : ticks;
  }
  return undefined;
}
