// The double nearest to a decimal w × 10^q (w up to 19 digits), without making a string: the
// Eisel-Lemire method (D. Lemire, "Number Parsing at a Gigabyte per Second", 2021). w, shifted to
// 64 significant bits, is multiplied by a 128-bit truncated power of five; the top bits of the
// product are the mantissa, and the cases where that truncation could matter are detected and
// answered with NaN, so the caller asks Number() instead. 64-bit words are held as two 32-bit
// halves, and products are built from 16-bit parts so every intermediate is an exact double.

const TWO_32 = 4294967296;
const SMALLEST_POWER = -342;
const LARGEST_POWER = 308;

/** Per q, the 128 most significant bits of 5^q as four 32-bit words (most significant first); made on first use. */
let powersOfFive: Uint32Array | undefined;

function bitLength(v: bigint): number {
  return v.toString(2).length;
}

function makePowersOfFive(): Uint32Array {
  const table = new Uint32Array((LARGEST_POWER - SMALLEST_POWER + 1) * 4);
  const two128 = 1n << 128n;
  for (let q = SMALLEST_POWER; q <= LARGEST_POWER; q++) {
    let c: bigint;
    if (q < 0) {
      // 1 / 5^-q, scaled up by a power of two to at least 128 bits and rounded up, then truncated.
      const power5 = 5n ** BigInt(-q);
      const z = bitLength(power5 - 1n);
      const b = q >= -27 ? z + 127 : 2 * z + 128;
      c = (1n << BigInt(b)) / power5 + 1n;
      while (c >= two128) c >>= 1n;
    } else {
      c = 5n ** BigInt(q);
      const length = bitLength(c);
      c = length < 128 ? c << BigInt(128 - length) : c >> BigInt(length - 128);
    }
    const at = (q - SMALLEST_POWER) * 4;
    for (let k = 0; k < 4; k++) table[at + k] = Number((c >> BigInt(96 - 32 * k)) & 0xffffffffn);
  }
  return table;
}

/** The table of powers of five (also copied into the WebAssembly row parser, rowSpanWasm.ts). */
export function powersOfFiveTable(): Uint32Array {
  powersOfFive ??= makePowersOfFive();
  return powersOfFive;
}

// Results of mul32 and mul64 (no allocation per call).
let productHigh = 0;
let productLow = 0;
const words = new Uint32Array(4);

/** The 64-bit product of two 32-bit words, as productHigh:productLow. */
function mul32(a: number, b: number): void {
  const aHigh = a >>> 16;
  const aLow = a & 0xffff;
  const bHigh = b >>> 16;
  const bLow = b & 0xffff;
  const ll = aLow * bLow;
  const lh = aLow * bHigh;
  const hl = aHigh * bLow;
  const middle = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  productLow = (((middle & 0xffff) << 16) | (ll & 0xffff)) >>> 0;
  productHigh = aHigh * bHigh + (lh >>> 16) + (hl >>> 16) + Math.floor(middle / 65536);
}

/** The 128-bit product of (a1:a0) and (b1:b0) into `words` (most significant first). */
function mul64(a1: number, a0: number, b1: number, b0: number): void {
  mul32(a0, b0);
  const h00 = productHigh;
  const r0 = productLow;
  mul32(a0, b1);
  const h01 = productHigh;
  const l01 = productLow;
  mul32(a1, b0);
  const h10 = productHigh;
  const l10 = productLow;
  mul32(a1, b1);
  const s1 = h00 + l01 + l10;
  const c1 = Math.floor(s1 / TWO_32);
  const s2 = h01 + h10 + productLow + c1;
  const c2 = Math.floor(s2 / TWO_32);
  words[0] = productHigh + c2;
  words[1] = s2 - c2 * TWO_32;
  words[2] = s1 - c1 * TWO_32;
  words[3] = r0;
}

const bits = new Uint32Array(2);
const asDouble = new Float64Array(bits.buffer);

/**
 * The double nearest to (wHigh · 2^32 + wLow) × 10^q, negated if asked, or NaN when this method
 * cannot be sure (the caller then converts the text with Number): subnormal and overflowing
 * results, q outside [-342, 308], and the rare products too close to a rounding boundary.
 */
export function decimalToDouble(wHigh: number, wLow: number, q: number, negative: boolean): number {
  if (wHigh === 0 && wLow === 0) return negative ? -0 : 0;
  if (q < SMALLEST_POWER || q > LARGEST_POWER) return NaN;
  powersOfFive ??= makePowersOfFive();
  // w shifted left so that its most significant bit is bit 63.
  const lz = wHigh !== 0 ? Math.clz32(wHigh) : 32 + Math.clz32(wLow);
  let w1: number;
  let w0: number;
  if (lz >= 32) {
    w1 = (wLow << (lz - 32)) >>> 0;
    w0 = 0;
  } else if (lz > 0) {
    w1 = ((wHigh << lz) | (wLow >>> (32 - lz))) >>> 0;
    w0 = (wLow << lz) >>> 0;
  } else {
    w1 = wHigh;
    w0 = wLow;
  }
  const at = (q - SMALLEST_POWER) * 4;
  const table = powersOfFive;
  mul64(w1, w0, table[at], table[at + 1]);
  let p3 = words[0];
  let p2 = words[1];
  let p1 = words[2];
  const p0 = words[3];
  // The low 9 bits below the 55 kept all ones: the truncated part of 5^q may carry into them.
  if ((p2 & 0x1ff) === 0x1ff) {
    mul64(w1, w0, table[at + 2], table[at + 3]);
    // The second product's high half added to the first's low half, carrying into its high half.
    let l0 = p0 + words[1];
    let carry = l0 >= TWO_32 ? 1 : 0;
    l0 -= carry * TWO_32;
    let l1 = p1 + words[0] + carry;
    carry = l1 >= TWO_32 ? 1 : 0;
    l1 -= carry * TWO_32;
    p1 = l1;
    if (carry) {
      p2 += 1;
      if (p2 === TWO_32) {
        p2 = 0;
        p3 += 1;
      }
    }
    // Still all ones below: too close to call here.
    if (p1 === 0xffffffff && l0 === 0xffffffff) return NaN;
    if ((p2 & 0x1ff) === 0x1ff && p1 === 0xffffffff) return NaN;
    return finish(p3, p2, p1, l0, q, lz, negative);
  }
  return finish(p3, p2, p1, p0, q, lz, negative);
}

/** Mantissa and exponent from the product's top bits, rounded to nearest, ties to even. */
function finish(p3: number, p2: number, p1: number, p0: number, q: number, lz: number, negative: boolean): number {
  const upperBit = p3 >>> 31;
  const shift = upperBit + 9;
  // mantissa = product.high >> shift (at most 55 bits), as mHigh:mLow.
  let mHigh = p3 >>> shift;
  let mLow = ((p3 << (32 - shift)) | (p2 >>> shift)) >>> 0;
  let power2 = ((217706 * q) >> 16) + 63 + upperBit - lz + 1023;
  if (power2 <= 0) return NaN;
  // Exactly halfway between two doubles (only zeros were shifted out, and 5^q was exact): round to even.
  if (p1 === 0 && p0 <= 1 && q >= -4 && q <= 23 && (mLow & 3) === 1) {
    const backHigh = ((mHigh << shift) | (mLow >>> (32 - shift))) >>> 0;
    const backLow = (mLow << shift) >>> 0;
    if (backHigh === p3 && backLow === p2) mLow = (mLow & ~1) >>> 0;
  }
  // Round up by the last bit, then drop it.
  mLow += mLow & 1;
  if (mLow === TWO_32) {
    mLow = 0;
    mHigh += 1;
  }
  mLow = ((mLow >>> 1) | ((mHigh & 1) << 31)) >>> 0;
  mHigh >>>= 1;
  if (mHigh >= 0x200000) {
    // Rounding carried to 2^53: the mantissa is 1.0 of the next binade.
    mHigh = 0x100000;
    mLow = 0;
    power2 += 1;
  }
  if (power2 >= 0x7ff) return NaN;
  bits[0] = mLow;
  bits[1] = ((negative ? 0x80000000 : 0) | (power2 << 20) | (mHigh & 0xfffff)) >>> 0;
  return asDouble[0];
}
