// Kusto text values turned into Parquet's fixed-width physical values without allocating:
// datetime → INT64 microseconds since the Unix epoch (the 7th fraction digit, 100 ns, is dropped:
// Parquet/Spark timestamps stop at microseconds), timespan → INT64 ticks of 100 ns,
// decimal → 16-byte big-endian two's complement DECIMAL(38,18).
// 64-bit results are written as two 32-bit words (little-endian order) computed in exact double
// arithmetic, so no bigint is created per value.

export class ParquetValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParquetValueError';
  }
}

const TWO_32 = 4294967296;
const TWO_16 = 65536;
const POWERS_OF_TEN = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/** words[2i], words[2i+1] = low/high word of s * multiplier + addend (|s| < 2^40, 0 <= addend < multiplier <= 2^24). */
export function setScaledInt64(words: Int32Array, index: number, s: number, multiplier: number, addend: number): void {
  const sLow = s - Math.floor(s / TWO_16) * TWO_16;
  const sHigh = (s - sLow) / TWO_16;
  const x = sHigh * multiplier; // exact: < 2^48
  const y = sLow * multiplier + addend; // exact: < 2^41
  const xLow = x - Math.floor(x / TWO_16) * TWO_16;
  const xHigh = (x - xLow) / TWO_16;
  const z = xLow * TWO_16 + y; // exact: < 2^42
  const carry = Math.floor(z / TWO_32);
  words[2 * index] = (z - carry * TWO_32) | 0;
  words[2 * index + 1] = (xHigh + carry) | 0;
}

function digits(text: string, from: number, count: number): number {
  let v = 0;
  for (let i = from; i < from + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Days since 1970-01-01 of a proleptic Gregorian date. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * Writes a Kusto datetime ("2020-03-04T14:05:01.3109965Z", 0 to 7 fraction digits) as microseconds
 * since the epoch. Returns false when the text is not such a datetime.
 */
export function setDatetimeMicros(words: Int32Array, index: number, text: string): boolean {
  const n = text.length;
  if (n < 20 || text.charCodeAt(n - 1) !== 90 /* Z */ || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return false;
  const sep = text.charCodeAt(10);
  if ((sep !== 84 && sep !== 32) || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return false;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  let micros = 0;
  if (n > 20) {
    const fractionDigits = n - 21;
    if (text.charCodeAt(19) !== 46 || fractionDigits < 1 || fractionDigits > 9) return false;
    const fraction = digits(text, 20, fractionDigits);
    if (fraction < 0) return false;
    micros = fractionDigits >= 6 ? Math.floor(fraction / POWERS_OF_TEN[fractionDigits - 6]) : fraction * POWERS_OF_TEN[6 - fractionDigits];
  }
  const seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  setScaledInt64(words, index, seconds, 1_000_000, micros);
  return true;
}

/** Writes a Kusto timespan ("[-][d.]hh:mm:ss[.fffffff]") as ticks of 100 ns. Returns false if malformed. */
export function setTimespanTicks(words: Int32Array, index: number, text: string): boolean {
  let i = 0;
  const negative = text.charCodeAt(0) === 45;
  if (negative) i = 1;
  const firstColon = text.indexOf(':', i);
  if (firstColon < 0) return false;
  let days = 0;
  const dayDot = text.indexOf('.', i);
  let hourStart = i;
  if (dayDot >= 0 && dayDot < firstColon) {
    days = digits(text, i, dayDot - i);
    if (days < 0 || dayDot === i) return false;
    hourStart = dayDot + 1;
  }
  const hours = digits(text, hourStart, firstColon - hourStart);
  const secondColon = firstColon + 3;
  if (hours < 0 || firstColon === hourStart || text.charCodeAt(secondColon) !== 58) return false;
  const minutes = digits(text, firstColon + 1, 2);
  const seconds = digits(text, secondColon + 1, 2);
  if (minutes < 0 || seconds < 0 || text.length < secondColon + 3) return false;
  let ticks = 0;
  const fractionStart = secondColon + 3;
  if (text.length > fractionStart) {
    const fractionDigits = text.length - fractionStart - 1;
    if (text.charCodeAt(fractionStart) !== 46 || fractionDigits < 1 || fractionDigits > 7) return false;
    ticks = digits(text, fractionStart + 1, fractionDigits);
    if (ticks < 0) return false;
    ticks *= POWERS_OF_TEN[7 - fractionDigits];
  }
  const total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds;
  if (!negative) setScaledInt64(words, index, total, 10_000_000, ticks);
  else if (ticks === 0) setScaledInt64(words, index, -total, 10_000_000, 0);
  else setScaledInt64(words, index, -total - 1, 10_000_000, 10_000_000 - ticks);
  return true;
}

export const DECIMAL_PRECISION = 38;
export const DECIMAL_SCALE = 18;
const DECIMAL_PATTERN = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const DECIMAL_LIMIT = 10n ** BigInt(DECIMAL_PRECISION);
const TWO_128 = 1n << 128n;
const MASK_64 = (1n << 64n) - 1n;

/**
 * The unscaled integer of a decimal text at scale 18. More than 18 fraction digits are rounded
 * half away from zero (as .NET's decimal rounding and Spark's cast do); a value that needs more than 20
 * integer digits does not fit DECIMAL(38,18) and is refused.
 */
export function decimalToUnscaled(text: string): bigint {
  const match = DECIMAL_PATTERN.exec(text.trim());
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) throw new ParquetValueError(`"${text}" is not a decimal number`);
  const [, sign, integerDigits, fractionDigits = '', exponentText] = match;
  let allDigits = integerDigits + fractionDigits;
  // Position of the decimal point after shifting by the exponent, counted from the left of allDigits.
  let point = integerDigits.length + (exponentText ? Number(exponentText) : 0);
  if (point < 0) {
    allDigits = '0'.repeat(-point) + allDigits;
    point = 0;
  }
  if (point > allDigits.length) allDigits += '0'.repeat(point - allDigits.length);
  const kept = allDigits.slice(0, point + DECIMAL_SCALE).padEnd(point + DECIMAL_SCALE, '0');
  let unscaled = BigInt(kept === '' ? '0' : kept);
  const dropped = allDigits.slice(point + DECIMAL_SCALE);
  if (dropped.length > 0 && dropped.charCodeAt(0) >= 53 /* '5' */) unscaled += 1n;
  if (unscaled >= DECIMAL_LIMIT) {
    throw new ParquetValueError(`decimal ${text} does not fit Parquet DECIMAL(${DECIMAL_PRECISION},${DECIMAL_SCALE}) (at most 20 integer digits)`);
  }
  return sign === '-' ? -unscaled : unscaled;
}

/** Writes a decimal text as DECIMAL(38,18): 16 bytes, big-endian two's complement, at `offset`. */
export function setDecimal128(bytes: Uint8Array, offset: number, text: string): void {
  if (setSmallIntegerDecimal128(bytes, offset, text) || setPlainDecimal128(bytes, offset, text)) return;
  let v = decimalToUnscaled(text);
  if (v < 0n) v += TWO_128;
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  view.setBigUint64(offset, v >> 64n, false);
  view.setBigUint64(offset + 8, v & MASK_64, false);
}

/** Stores the low 16 bits of `v` (a whole number < 2^53) as limb `k`; returns the carry. */
function putLimb(k: number, v: number): number {
  const low = (v >>> 0) & 0xffff;
  limbs[k] = low;
  return (v - low) / TWO_16;
}

/** 10^18 (the scale factor) as four 16-bit limbs, least significant first. */
const TEN_18_LIMBS = [0x0000, 0xa764, 0xb6b3, 0x0de0];

/**
 * The most common decimal text, a whole number of at most 15 digits ("42", "-7"): its unscaled
 * value n × 10^18 by schoolbook multiplication of 16-bit limbs (every partial sum exact in a double).
 * Returns false for anything else.
 */
function setSmallIntegerDecimal128(bytes: Uint8Array, offset: number, text: string): boolean {
  const n = text.length;
  const negative = text.charCodeAt(0) === 45;
  const first = negative ? 1 : 0;
  if (n === first || n - first > 15) return false;
  let value = 0;
  for (let i = first; i < n; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    value = value * 10 + d;
  }
  // ToUint32 (>>> 0) is the value modulo 2^32 for any whole double: exact limbs without a division.
  const low32 = value >>> 0;
  const high32 = (value - low32) / TWO_32;
  const a0 = low32 & 0xffff;
  const a1 = low32 >>> 16;
  const a2 = high32 & 0xffff;
  const a3 = high32 >>> 16;
  const [t0, t1, t2, t3] = TEN_18_LIMBS;
  // Column sums of the schoolbook product (each < 2^35, exact), then carries, limb by limb.
  let carry = 0;
  carry = putLimb(0, a0 * t0 + carry);
  carry = putLimb(1, a0 * t1 + a1 * t0 + carry);
  carry = putLimb(2, a0 * t2 + a1 * t1 + a2 * t0 + carry);
  carry = putLimb(3, a0 * t3 + a1 * t2 + a2 * t1 + a3 * t0 + carry);
  carry = putLimb(4, a1 * t3 + a2 * t2 + a3 * t1 + carry);
  carry = putLimb(5, a2 * t3 + a3 * t2 + carry);
  carry = putLimb(6, a3 * t3 + carry);
  putLimb(7, carry);
  writeLimbs(bytes, offset, negative);
  return true;
}

// 128 bits as eight 16-bit limbs (least significant first): products stay exact in doubles.
const limbs = new Float64Array(8);
/** Limbs in use (the rest are zero): most values need far fewer than eight. */
let usedLimbs = 0;

function multiplyAdd(multiplier: number, addend: number): void {
  let carry = addend;
  let i = 0;
  for (; i < usedLimbs; i++) {
    const v = limbs[i] * multiplier + carry; // < 2^46 + 2^30: exact
    carry = (v / TWO_16) | 0;
    limbs[i] = v - carry * TWO_16;
  }
  for (; carry > 0 && i < 8; i++) {
    const next = (carry / TWO_16) | 0;
    limbs[i] = carry - next * TWO_16;
    carry = next;
    usedLimbs = i + 1;
  }
}

/**
 * The common case without bigint: "[-]digits[.digits]" with at most 18 fraction digits and at
 * most 20 integer digits. Returns false for anything else (the exact bigint path decides).
 */
function setPlainDecimal128(bytes: Uint8Array, offset: number, text: string): boolean {
  const n = text.length;
  let i = 0;
  const negative = text.charCodeAt(0) === 45;
  if (negative || text.charCodeAt(0) === 43) i = 1;
  for (let k = 0; k < 8; k++) limbs[k] = 0;
  usedLimbs = 0;
  let chunk = 0;
  let chunkDigits = 0;
  let integerDigits = 0;
  let fractionDigits = -1;
  let anyDigit = false;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 && fractionDigits < 0) {
      fractionDigits = 0;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9) return false;
    anyDigit = true;
    if (fractionDigits >= 0) {
      if (++fractionDigits > DECIMAL_SCALE) return false;
    } else if (integerDigits > 0 || d !== 0) {
      if (++integerDigits > DECIMAL_PRECISION - DECIMAL_SCALE) return false;
    }
    chunk = chunk * 10 + d;
    if (++chunkDigits === 9) {
      multiplyAdd(1e9, chunk);
      chunk = 0;
      chunkDigits = 0;
    }
  }
  if (!anyDigit) return false;
  multiplyAdd(POWERS_OF_TEN[chunkDigits], chunk);
  for (let pad = DECIMAL_SCALE - Math.max(0, fractionDigits); pad > 0; pad -= 9) multiplyAdd(POWERS_OF_TEN[Math.min(9, pad)], 0);
  writeLimbs(bytes, offset, negative);
  return true;
}

/** The magnitude in `limbs`, negated if asked (two's complement), as 16 big-endian bytes at `offset`. */
function writeLimbs(bytes: Uint8Array, offset: number, negative: boolean): void {
  if (negative) {
    // Two's complement: invert, then add one.
    let carry = 1;
    for (let k = 0; k < 8; k++) {
      const v = 0xffff - limbs[k] + carry;
      carry = v > 0xffff ? 1 : 0;
      limbs[k] = v & 0xffff;
    }
  }
  for (let k = 0; k < 8; k++) {
    bytes[offset + 15 - 2 * k] = limbs[k] & 0xff;
    bytes[offset + 14 - 2 * k] = limbs[k] >>> 8;
  }
}
