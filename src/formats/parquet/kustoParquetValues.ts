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
// Multiplying by a power of two's inverse is exact and much cheaper than dividing.
const INV_TWO_32 = 1 / TWO_32;
const INV_TWO_16 = 1 / TWO_16;
const TWO_26 = 67108864;
const INV_TWO_26 = 1 / TWO_26;
const POWERS_OF_TEN = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/** words[2i], words[2i+1] = low/high word of s * multiplier + addend (|s| < 2^40, 0 <= addend < multiplier <= 2^24). */
export function setScaledInt64(words: Int32Array, index: number, s: number, multiplier: number, addend: number): void {
  const sHigh = Math.floor(s * INV_TWO_16);
  const sLow = s - sHigh * TWO_16;
  const x = sHigh * multiplier; // exact: < 2^48
  const y = sLow * multiplier + addend; // exact: < 2^41
  const xHigh = Math.floor(x * INV_TWO_16);
  const xLow = x - xHigh * TWO_16;
  const z = xLow * TWO_16 + y; // exact: < 2^42
  const carry = Math.floor(z * INV_TWO_32);
  words[2 * index] = (z - carry * TWO_32) | 0;
  words[2 * index + 1] = (xHigh + carry) | 0;
}

function digits(b: Uint8Array, from: number, count: number): number {
  let v = 0;
  for (let i = from; i < from + count; i++) {
    const d = b[i] - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Two decimal digits at `at`, or -1. */
function twoDigits(b: Uint8Array, at: number): number {
  const tens = b[at] - 48;
  const ones = b[at + 1] - 48;
  // As unsigned, a non-digit (negative or above 9) is above 9.
  return tens >>> 0 > 9 || ones >>> 0 > 9 ? -1 : tens * 10 + ones;
}

/** ASCII texts up to this long are converted through `scratch`; longer ones are never valid here. */
const SCRATCH_CHARS = 128;
const scratch = new Uint8Array(SCRATCH_CHARS);

/** Copies an ASCII text into `scratch` and returns its length, or -1 (too long, or not ASCII: then not a valid value). */
function asciiToScratch(text: string): number {
  const n = text.length;
  if (n > SCRATCH_CHARS) return -1;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return -1;
    scratch[i] = c;
  }
  return n;
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
  const n = asciiToScratch(text);
  return n >= 0 && setDatetimeMicrosFromBytes(words, index, scratch, 0, n);
}

/** setDatetimeMicros of the ASCII bytes b[start, end) (a response's bytes, no string made). */
function setDatetimeMicrosFromBytes(words: Int32Array, index: number, b: Uint8Array, start: number, end: number): boolean {
  const n = end - start;
  const s = start;
  if (n < 20 || b[end - 1] !== 90 /* Z */ || b[s + 4] !== 45 || b[s + 7] !== 45) return false;
  const sep = b[s + 10];
  if ((sep !== 84 && sep !== 32) || b[s + 13] !== 58 || b[s + 16] !== 58) return false;
  const century = twoDigits(b, s);
  const yearOfCentury = twoDigits(b, s + 2);
  const month = twoDigits(b, s + 5);
  const day = twoDigits(b, s + 8);
  const hour = twoDigits(b, s + 11);
  const minute = twoDigits(b, s + 14);
  const second = twoDigits(b, s + 17);
  if (century < 0 || yearOfCentury < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  let micros = 0;
  if (n > 20) {
    const fractionDigits = n - 21;
    if (b[s + 19] !== 46 || fractionDigits < 1 || fractionDigits > 9) return false;
    const fraction = digits(b, s + 20, fractionDigits);
    if (fraction < 0) return false;
    micros = fractionDigits >= 6 ? Math.floor(fraction / POWERS_OF_TEN[fractionDigits - 6]) : fraction * POWERS_OF_TEN[6 - fractionDigits];
  }
  const seconds = (daysToMonth(century * 100 + yearOfCentury, month) + day - 1) * 86400 + hour * 3600 + minute * 60 + second;
  // seconds · 10^6 + micros = (seconds · 15625) · 2^6 + micros, and seconds · 15625 < 2^52 is exact.
  const q = seconds * 15625;
  const qHigh = Math.floor(q * INV_TWO_26);
  const low = (q - qHigh * TWO_26) * 64 + micros; // < 2^32 + 2^20
  const carry = low >= TWO_32 ? 1 : 0;
  words[2 * index] = (low - carry * TWO_32) | 0;
  words[2 * index + 1] = (qHigh + carry) | 0;
  return true;
}

// Values of a column mostly fall in one month: its first day is remembered, not recomputed.
let cachedYear = -1;
let cachedMonth = -1;
let cachedMonthStart = 0;

/** Days since 1970-01-01 of the first day of the month. */
function daysToMonth(year: number, month: number): number {
  if (year !== cachedYear || month !== cachedMonth) {
    cachedMonthStart = daysFromCivil(year, month, 1);
    cachedYear = year;
    cachedMonth = month;
  }
  return cachedMonthStart;
}

/** Writes a Kusto timespan ("[-][d.]hh:mm:ss[.fffffff]") as ticks of 100 ns. Returns false if malformed. */
export function setTimespanTicks(words: Int32Array, index: number, text: string): boolean {
  const n = asciiToScratch(text);
  return n >= 0 && setTimespanTicksFromBytes(words, index, scratch, 0, n);
}

function indexOfByte(b: Uint8Array, byte: number, from: number, end: number): number {
  for (let i = from; i < end; i++) if (b[i] === byte) return i;
  return -1;
}

/** setTimespanTicks of the ASCII bytes b[start, end). */
function setTimespanTicksFromBytes(words: Int32Array, index: number, b: Uint8Array, start: number, end: number): boolean {
  let i = start;
  const negative = b[start] === 45 && end > start;
  if (negative) i++;
  const firstColon = indexOfByte(b, 58, i, end);
  if (firstColon < 0) return false;
  let days = 0;
  const dayDot = indexOfByte(b, 46, i, end);
  let hourStart = i;
  if (dayDot >= 0 && dayDot < firstColon) {
    days = digits(b, i, dayDot - i);
    if (days < 0 || dayDot === i) return false;
    hourStart = dayDot + 1;
  }
  const hours = digits(b, hourStart, firstColon - hourStart);
  const secondColon = firstColon + 3;
  if (hours < 0 || firstColon === hourStart || secondColon >= end || b[secondColon] !== 58) return false;
  const minutes = digits(b, firstColon + 1, 2);
  if (end < secondColon + 3) return false;
  const seconds = digits(b, secondColon + 1, 2);
  if (minutes < 0 || seconds < 0) return false;
  let ticks = 0;
  const fractionStart = secondColon + 3;
  if (end > fractionStart) {
    const fractionDigits = end - fractionStart - 1;
    if (b[fractionStart] !== 46 || fractionDigits < 1 || fractionDigits > 7) return false;
    ticks = digits(b, fractionStart + 1, fractionDigits);
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
  const n = asciiToScratch(text);
  if (n >= 0 && setDecimal128FromBytes(bytes, offset, scratch, 0, n)) return;
  let v = decimalToUnscaled(text);
  if (v < 0n) v += TWO_128;
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  view.setBigUint64(offset, v >> 64n, false);
  view.setBigUint64(offset + 8, v & MASK_64, false);
}

/**
 * setDecimal128 of the ASCII bytes b[start, end) for the common shapes ("42", "-3.25"), without
 * bigint. Returns false for anything else: the caller then takes the exact text path.
 */
function setDecimal128FromBytes(bytes: Uint8Array, offset: number, b: Uint8Array, start: number, end: number): boolean {
  return setSmallIntegerDecimal128(bytes, offset, b, start, end) || setPlainDecimal128(bytes, offset, b, start, end);
}

/** 10^18 = 5^18 · 2^18: the product is built with 5^18, split in 26-bit halves, then shifted 18 bits. */
const FIVE_18 = 3814697265625;
const FIVE_18_HIGH = Math.floor(FIVE_18 * INV_TWO_26);
const FIVE_18_LOW = FIVE_18 - FIVE_18_HIGH * TWO_26;

/**
 * The most common decimal text, a whole number of at most 15 digits ("42", "-7"): its unscaled
 * value n × 10^18 from 26-bit partial products (each exact in a double), written as four 32-bit
 * words. Returns false for anything else.
 */
function setSmallIntegerDecimal128(bytes: Uint8Array, offset: number, b: Uint8Array, start: number, end: number): boolean {
  if (end <= start) return false;
  const negative = b[start] === 45;
  const first = negative ? start + 1 : start;
  if (end === first || end - first > 15) return false;
  let value = 0;
  for (let i = first; i < end; i++) {
    const d = b[i] - 48;
    if (d < 0 || d > 9) return false;
    value = value * 10 + d;
  }
  // m = value · 5^18 < 2^92 in 26-bit limbs: value < 2^50, so every product below is < 2^53.
  const valueHigh = Math.floor(value * INV_TWO_26);
  const valueLow = value - valueHigh * TWO_26;
  const p0 = valueLow * FIVE_18_LOW;
  const c0 = Math.floor(p0 * INV_TWO_26);
  const limb0 = p0 - c0 * TWO_26;
  const p1 = valueHigh * FIVE_18_LOW + valueLow * FIVE_18_HIGH + c0;
  const c1 = Math.floor(p1 * INV_TWO_26);
  const limb1 = p1 - c1 * TWO_26;
  const top = valueHigh * FIVE_18_HIGH + c1; // < 2^41
  const topHigh = Math.floor(top * INV_TWO_26);
  const topLow = top - topHigh * TWO_26;
  // m · 2^18: limb0 fills bits 18–43, limb1 bits 44–69, top bits 70 and up; w0 is the lowest word.
  let w0 = limb0 << 18;
  let w1 = (limb0 >>> 14) | (limb1 << 12);
  let w2 = (limb1 >>> 20) | (topLow << 6);
  let w3 = topHigh;
  if (negative) {
    // Two's complement: invert, then add one, carrying through words that wrap to zero.
    w0 = (~w0 + 1) | 0;
    w1 = ~w1;
    w2 = ~w2;
    w3 = ~w3;
    if (w0 === 0) {
      w1 = (w1 + 1) | 0;
      if (w1 === 0) {
        w2 = (w2 + 1) | 0;
        if (w2 === 0) w3 = (w3 + 1) | 0;
      }
    }
  }
  putWordBigEndian(bytes, offset, w3);
  putWordBigEndian(bytes, offset + 4, w2);
  putWordBigEndian(bytes, offset + 8, w1);
  putWordBigEndian(bytes, offset + 12, w0);
  return true;
}

function putWordBigEndian(bytes: Uint8Array, offset: number, word: number): void {
  bytes[offset] = word >>> 24;
  bytes[offset + 1] = word >>> 16;
  bytes[offset + 2] = word >>> 8;
  bytes[offset + 3] = word;
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
function setPlainDecimal128(bytes: Uint8Array, offset: number, b: Uint8Array, start: number, end: number): boolean {
  if (end <= start) return false;
  let i = start;
  const negative = b[start] === 45;
  if (negative || b[start] === 43) i++;
  for (let k = 0; k < 8; k++) limbs[k] = 0;
  usedLimbs = 0;
  let chunk = 0;
  let chunkDigits = 0;
  let integerDigits = 0;
  let fractionDigits = -1;
  let anyDigit = false;
  for (; i < end; i++) {
    const c = b[i];
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
